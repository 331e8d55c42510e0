package dev.bellm.bench;

import com.sun.management.OperatingSystemMXBean;
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

import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * GEMM through {@link VectorKernels#matmul}: y[m, size] = x[m, size]·wᵀ with fp32 activations and w [size, size]
 * stored as {@code dtype}; m = size (square) unless {@code rows} sets it (rows = 1: generation). Report lines:
 * {@code gemm:gflop} is the rate in GFLOP/s (2·m·size² per call); {@code gemm:gflopPerCpuSecond} divides the same
 * work by the CPU time the process used, which other processes sharing the cores do not inflate: threads × that
 * figure estimates the rate on idle cores.
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

    /** Rows of x (m); 0 means size. */
    @Param("0")
    public int rows;

    private VectorKernels kernels;
    private int m;
    private float[] x;
    private float[] y;
    private Matrix w;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(42);
        m = rows == 0 ? size : rows;
        x = new float[m * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] weights = new float[size * size];
        for (int i = 0; i < weights.length; i++) weights[i] = (float) rnd.nextGaussian() * 0.05f;
        w = Matrix.of("bench.weight", dtype, size, size, weights);
        y = new float[m * size];
        kernels = new VectorKernels(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] gemm(Flops flops) {
        flops.measure(2.0 * m * size * size / 1e9, () -> kernels.matmul(x, m, w, y));
        return y;
    }

    /**
     * Counts the floating-point work; JMH reports both counters as rates next to the call rate. {@code gflop} grows
     * by the work, so its rate is GFLOP/s of wall time. {@code gflopPerCpuSecond} is kept equal to the work so far
     * times wall/CPU time since the iteration began (CPU time of the whole process, all threads; the OS counts it
     * in coarse ticks, so it is measured over the iteration, not per call), so its rate is GFLOP per second of
     * busy core.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        private static final OperatingSystemMXBean OS =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        public double gflop;
        public double gflopPerCpuSecond;
        private long wallStart;
        private long cpuStart;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
            gflopPerCpuSecond = 0;
            wallStart = System.nanoTime();
            cpuStart = OS.getProcessCpuTime();
        }

        void measure(double work, Runnable call) {
            call.run();
            gflop += work;
            long cpu = OS.getProcessCpuTime() - cpuStart;
            if (cpu > 0) gflopPerCpuSecond = gflop * (System.nanoTime() - wallStart) / cpu;
        }
    }
}
