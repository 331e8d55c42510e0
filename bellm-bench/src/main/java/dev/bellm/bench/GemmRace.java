package dev.bellm.bench;

import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.KernelShape;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

/**
 * Square GEMM {@code y[n, n] = x[n, n]·wᵀ} by every contestant in one process, interleaved: each round runs every
 * contestant once (best of a few calls after warm-up) in a rotating order, and the table keeps each one's best
 * round, so a burst of load from another process hurts all alike. Contestants: every {@link KernelShape} of the
 * Java kernels, every {@link KernelProvider} that loads here (bellm-native's oneDNN), and
 * OpenBLAS {@code cblas_sgemm} when {@code libopenblas.so.0} loads. The FMA ceiling is measured in the same run at
 * 256 and 512 bits: independent multiply-add chains with no memory traffic.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bellm-bench/target/benchmarks.jar \
 *     dev.bellm.bench.GemmRace [sizes=1024,2048] [dtypes=F32,BF16] [threads=2] [rounds=5]
 * </pre>
 */
public final class GemmRace {
    // a vector species must be a constant where C2 compiles the loop, or every operation is boxed (slow by 20x)
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

    private GemmRace() {}

    public static void main(String[] args) throws Throwable {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("sizes", "1024,2048", "dtypes", "F32,BF16", "threads", "2",
                "rounds", "5"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !opt.containsKey(kv[0])) throw new IllegalArgumentException("unknown option " + a);
            opt.put(kv[0], kv[1]);
        }
        int threads = Integer.parseInt(opt.get("threads")), rounds = Integer.parseInt(opt.get("rounds"));
        System.out.printf(Locale.ROOT, "# GemmRace: %d threads, %d rounds, preferred vectors %d bits, auto shape %s%n",
                threads, rounds, FloatVector.SPECIES_PREFERRED.vectorBitSize(), KernelShape.forMachine());
        try (VectorKernels pool = new VectorKernels(threads)) {
            System.out.printf(Locale.ROOT, "FMA ceiling, %d threads: 256-bit %.1f GFLOP/s, 512-bit %.1f GFLOP/s%n", threads,
                    fmaPeak(pool, threads, FloatVector.SPECIES_256, rounds), fmaPeak(pool, threads, FloatVector.SPECIES_512, rounds));
        }
        OpenBlas blas = OpenBlas.load(threads);
        System.out.println("| n | weights | contestant | GFLOP/s (best round) | median round |");
        System.out.println("| ---: | --- | --- | ---: | ---: |");
        for (String sizeText : opt.get("sizes").split(",")) {
            int n = Integer.parseInt(sizeText.trim());
            for (String dtypeText : opt.get("dtypes").split(",")) {
                DType dtype = DType.valueOf(dtypeText.trim());
                race(n, dtype, threads, rounds, blas);
            }
        }
    }

    private static void race(int n, DType dtype, int threads, int rounds, OpenBlas blas) throws Throwable {
        Random rnd = new Random(42);
        float[] x = new float[n * n], wf = new float[n * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < wf.length; i++) wf[i] = (float) rnd.nextGaussian() * 0.05f;
        Matrix w = Matrix.of("race.weight", dtype, n, n, wf);
        float[] y = new float[n * n];
        Map<String, Runnable> runs = new LinkedHashMap<>();
        List<AutoCloseable> toClose = new ArrayList<>();
        for (KernelShape shape : KernelShape.values()) {
            VectorKernels k = new VectorKernels(threads, shape);
            toClose.add(k);
            runs.put("java " + shape.name().toLowerCase(Locale.ROOT), () -> k.matmul(x, n, w, y));
        }
        for (KernelProvider provider : ServiceLoader.load(KernelProvider.class)) {
            if (provider.unavailableReason() != null) continue;
            Kernels k = provider.create(threads);
            if (k instanceof AutoCloseable c) toClose.add(c);
            runs.put(provider.name(), () -> k.matmul(x, n, w, y));
        }
        if (blas != null && dtype == DType.F32) {
            Arena arena = Arena.ofConfined();
            MemorySegment xs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x), ws = arena.allocateFrom(ValueLayout.JAVA_FLOAT, wf);
            MemorySegment ys = arena.allocate((long) n * n * 4, 64);
            runs.put("openblas cblas_sgemm", () -> blas.sgemm(n, xs, ws, ys));
        }
        double flop = 2.0 * n * n * n;
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(runs.keySet());
        for (String name : names) {
            runs.get(name).run(); // warm-up, JIT
            runs.get(name).run();
            rates.put(name, new ArrayList<>());
        }
        int calls = n <= 1024 ? 5 : 2;
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < names.size(); c++) {
                String name = names.get((c + r) % names.size());
                long best = Long.MAX_VALUE;
                for (int i = 0; i < calls; i++) {
                    long t0 = System.nanoTime();
                    runs.get(name).run();
                    best = Math.min(best, System.nanoTime() - t0);
                }
                rates.get(name).add(flop / best);
            }
        }
        for (String name : names) {
            List<Double> v = new ArrayList<>(rates.get(name));
            v.sort(null);
            System.out.printf(Locale.ROOT, "| %d | %s | %s | %.1f | %.1f |%n", n, dtype, name, v.getLast(), v.get(v.size() / 2));
        }
        for (AutoCloseable c : toClose) c.close();
    }

    /** GFLOP/s of 12 independent FMA chains per thread, best of {@code rounds}. */
    private static double fmaPeak(VectorKernels pool, int threads, VectorSpecies<Float> species, int rounds) {
        int steps = 1 << 22;
        float[] sink = new float[threads];
        double best = 0;
        for (int r = 0; r < rounds + 2; r++) {
            long t0 = System.nanoTime();
            if (species.vectorBitSize() == 512) pool.parallelFor(threads, t -> sink[t] = chains512(steps));
            else pool.parallelFor(threads, t -> sink[t] = chains256(steps));
            long dt = System.nanoTime() - t0;
            if (r >= 2) best = Math.max(best, 2.0 * threads * steps * 12 * species.length() / dt);
        }
        return best;
    }

    /** acc = acc·0.999 + 0.001 on 12 independent chains (values stay near 1); the species is a constant for C2. */
    static float chains256(int steps) {
        FloatVector a = FloatVector.broadcast(S256, 0.999f), b = FloatVector.broadcast(S256, 0.001f);
        FloatVector c0 = FloatVector.broadcast(S256, 0f), c1 = c0.add(1f), c2 = c0.add(2f), c3 = c0.add(3f);
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
                .reduceLanes(VectorOperators.ADD);
    }

    /** acc = acc·0.999 + 0.001 on 12 independent chains (values stay near 1); the species is a constant for C2. */
    private static float chains512(int steps) {
        FloatVector a = FloatVector.broadcast(S512, 0.999f), b = FloatVector.broadcast(S512, 0.001f);
        FloatVector c0 = FloatVector.broadcast(S512, 0f), c1 = c0.add(1f), c2 = c0.add(2f), c3 = c0.add(3f);
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
                .reduceLanes(VectorOperators.ADD);
    }

    /** {@code cblas_sgemm} of the system's OpenBLAS ({@code apt-get install libopenblas0}), row-major, C = A·Bᵀ. */
    private record OpenBlas(MethodHandle sgemm) {
        private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

        static OpenBlas load(int threads) throws Throwable {
            Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0");
            if (!Files.exists(lib)) {
                System.out.println("OpenBLAS: " + lib + " not found; install libopenblas0 to race it");
                return null;
            }
            Linker linker = Linker.nativeLinker();
            SymbolLookup lookup = SymbolLookup.libraryLookup(lib, Arena.global());
            MethodHandle setThreads = linker.downcallHandle(lookup.findOrThrow("openblas_set_num_threads"),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
            setThreads.invokeExact(threads);
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            MethodHandle sgemm = linker.downcallHandle(lookup.findOrThrow("cblas_sgemm"), FunctionDescriptor.ofVoid(
                    i, i, i, i, i, i, f, ValueLayout.ADDRESS, i, ValueLayout.ADDRESS, i, f, ValueLayout.ADDRESS, i));
            MethodHandle config = linker.downcallHandle(lookup.findOrThrow("openblas_get_config"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment text = ((MemorySegment) config.invokeExact()).reinterpret(200);
            System.out.println("OpenBLAS: " + text.getString(0) + ", " + threads + " threads");
            return new OpenBlas(sgemm);
        }

        void sgemm(int n, MemorySegment a, MemorySegment b, MemorySegment c) {
            try {
                sgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, n, n, n, 1f, a, n, b, n, 0f, c, n);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
