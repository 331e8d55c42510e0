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
    private static final int CHAINS = 12;

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
                () -> kernels.parallelFor(threads, t -> sinks[t] = chains(STEPS)));
        return sinks;
    }

    /** acc = acc·0.999 + 0.001 on 12 independent chains: values stay near 1, never denormal or infinite. */
    private static float chains(int steps) {
        FloatVector a = FloatVector.broadcast(F8, 0.999f), b = FloatVector.broadcast(F8, 0.001f);
        FloatVector c0 = FloatVector.broadcast(F8, 0f), c1 = c0.add(1f), c2 = c0.add(2f), c3 = c0.add(3f);
        FloatVector c4 = c0.add(4f), c5 = c0.add(5f), c6 = c0.add(6f), c7 = c0.add(7f);
        FloatVector c8 = c0.add(8f), c9 = c0.add(9f), c10 = c0.add(10f), c11 = c0.add(11f);
        for (int i = 0; i < steps; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
