package dev.bellm.bench;

import dev.bellm.kernels.VectorKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

import java.util.concurrent.TimeUnit;

/**
 * The machine's fused multiply-add ceiling as the Vector API reaches it: 12 independent 8-lane accumulator chains
 * (enough to cover FMA latency × throughput) on each of {@code threads} threads, no memory traffic. The
 * {@code peak:gflop} line is GFLOP/s: the most any GEMM kernel here could reach; {@code peak:gflopPerCpuSecond}
 * is the same per second of busy core, as in {@link GemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final int STEPS = 1 << 20;
    private static final int CHAINS = 12; // GemmRace.chains256's independent accumulators

    @Param({"1", "2"})
    public int threads;

    private VectorKernels kernels;
    private float[] sinks;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = new VectorKernels(threads);
        sinks = new float[threads];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] peak(GemmBenchmark.Flops flops) {
        flops.measure(2.0 * threads * STEPS * CHAINS * F8.length() / 1e9,
                () -> kernels.parallelFor(threads, t -> sinks[t] = GemmRace.chains256(STEPS)));
        return sinks;
    }
}
