package dev.bellm.bench;

import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Square GEMM through {@link VectorKernels#matmul}: y[size, size] = x[size, size]·wᵀ with fp32 activations and
 * w stored as {@code dtype}. The {@code gemm:gflop} line of the report is the rate in GFLOP/s (2·size³ per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class GemmBenchmark {
    @Param({"256", "1024", "2048"})
    public int size;

    @Param({"F32", "BF16", "F16"})
    public DType dtype;

    @Param("2")
    public int threads;

    private VectorKernels kernels;
    private float[] x;
    private float[] y;
    private Matrix w;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(42);
        x = new float[size * size];
        float[] weights = new float[size * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            weights[i] = (float) rnd.nextGaussian() * 0.05f;
        }
        w = Matrix.of("bench.weight", dtype, size, size, weights);
        y = new float[size * size];
        kernels = new VectorKernels(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] gemm(Flops flops) {
        kernels.matmul(x, size, w, y);
        flops.gflop += 2.0 * size * size * size / 1e9;
        return y;
    }

    /** Counts the floating-point work of each call; JMH reports it as a rate next to the call rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }
}
