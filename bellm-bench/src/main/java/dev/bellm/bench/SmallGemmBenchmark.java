package dev.bellm.bench;

import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The matmuls of small models and of LoRA adapters, where packing, tiling and thread hand-off weigh as much as the
 * arithmetic: forward {@code y[m, n] = x[m, k]·wᵀ} and backward {@code dx[m, k] += dy[m, n]·w}, weights stored as {@code dtype}.
 * {@code shape} is {@code m x n x k}. The defaults are stories260K's projections at m = 1152 tokens (a training
 * step of 16 pairs): q/o (64×64), k/v (32×64), gate/up (172×64), down (64×172), LoRA A and B of rank 32 (32×64,
 * 64×32); and the 100M model's LoRA B of up_proj (2048×32). Counters as in {@link GemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class SmallGemmBenchmark {
    @Param({"1152x64x64", "1152x32x64", "1152x172x64", "1152x64x172", "1152x64x32", "1152x2048x32"})
    public String shape;

    @Param("F32")
    public DType dtype;

    @Param("2")
    public int threads;

    private VectorKernels kernels;
    private int m, n, k;
    private float[] x, y, dy, dx;
    private Matrix w;

    @Setup(Level.Trial)
    public void setUp() {
        String[] mnk = shape.split("x");
        m = Integer.parseInt(mnk[0]);
        n = Integer.parseInt(mnk[1]);
        k = Integer.parseInt(mnk[2]);
        Random rnd = new Random(42);
        x = gaussians(m * k, rnd, 1);
        dy = gaussians(m * n, rnd, 1);
        w = Matrix.of("bench.weight", dtype, n, k, gaussians(n * k, rnd, 0.05f));
        y = new float[m * n];
        dx = new float[m * k];
        kernels = new VectorKernels(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] forward(GemmBenchmark.Flops flops) {
        flops.measure(2.0 * m * n * k / 1e9, () -> kernels.matmul(x, m, w, y));
        return y;
    }

    @Benchmark
    public float[] backward(GemmBenchmark.Flops flops) {
        flops.measure(2.0 * m * n * k / 1e9, () -> kernels.matmulBackward(dy, m, w, dx));
        return dx;
    }

    private static float[] gaussians(int count, Random rnd, float std) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float) rnd.nextGaussian() * std;
        return a;
    }
}
