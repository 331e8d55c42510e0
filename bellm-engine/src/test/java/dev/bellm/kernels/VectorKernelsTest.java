package dev.bellm.kernels;

import dev.bellm.SharedData;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class VectorKernelsTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Allowed difference from the naive loops, relative to Σ|x·w| of the dot product (float32 rounding). */
    private static final double RELATIVE_TOLERANCE = 2e-6;

    private static final VectorKernels ONE = new VectorKernels(1);
    private static final VectorKernels TWO = new VectorKernels(2);
    private static final NaiveKernels NAIVE = new NaiveKernels();
    /** Every forward shape on 1 and 2 threads: each is tested here whatever the machine would choose. */
    private static final List<VectorKernels> ALL = new ArrayList<>();

    static {
        for (KernelShape shape : KernelShape.values()) {
            ALL.add(new VectorKernels(1, shape));
            ALL.add(new VectorKernels(2, shape));
        }
    }

    @AfterAll
    static void stopPools() {
        ONE.close();
        TWO.close();
        ALL.forEach(VectorKernels::close);
    }

    /**
     * Shapes chosen to hit every edge: m = 1 (generation) and m tails around the 2-row panels and 48/64-row tiles;
     * n around the 4-row strips and the column tiles; k below, at and around 8, the fixtures' 24 and 48, past the
     * 512-float k-block and the 128-column backward tiles; and m large enough, with enough column tiles, that a
     * task serves several row tiles (weights converted once per task instead of per k-block).
     */
    static Stream<Arguments> shapes() {
        int[][] mnk = {{1, 1, 1}, {1, 5, 7}, {2, 3, 8}, {3, 4, 9}, {4, 8, 24}, {7, 64, 48}, {5, 65, 17},
                {33, 70, 48}, {1, 131, 1030}, {50, 67, 513}, {100, 20, 97}, {49, 130, 96}, {13, 300, 260},
                {200, 300, 70}, {201, 70, 300}, {3, 40, 32}, {1, 70, 544}, {50, 67, 1056}, {9, 33, 288}};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mnk) {
            for (DType t : DType.values()) {
                if (t != DType.Q8_0 || s[2] % DType.Q8_BLOCK == 0) out.add(Arguments.of(s[0], s[1], s[2], t));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} {3}")
    @MethodSource("shapes")
    void matmulMatchesNaiveLoops(int m, int n, int k, DType dtype) {
        Random rnd = new Random(31L * m + 17L * n + k + dtype.ordinal());
        Matrix w = matrix(dtype, n, k, rnd, m % 2 == 0);
        float[] x = values(m * k, rnd);
        float[] expected = new float[m * n];
        NAIVE.matmul(x, m, w, expected);
        for (VectorKernels kernels : ALL) {
            float[] y = new float[m * n];
            Arrays.fill(y, Float.NaN); // matmul overwrites y
            kernels.matmul(x, m, w, y);
            float[] scale = dotMagnitudes(x, m, w);
            for (int i = 0; i < m * n; i++) {
                String what = "y[" + i / n + ", " + i % n + "], " + kernels.describe();
                assertClose(expected[i], y[i], scale[i], what);
            }
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} {3}")
    @MethodSource("shapes")
    void matmulBackwardMatchesNaiveLoops(int m, int n, int k, DType dtype) {
        Random rnd = new Random(7L * m + 13L * n + k + dtype.ordinal());
        Matrix w = matrix(dtype, n, k, rnd, m % 2 == 1);
        float[] dy = values(m * n, rnd);
        float[] initial = values(m * k, rnd); // backward accumulates into dx
        float[] expected = initial.clone();
        NAIVE.matmulBackward(dy, m, w, expected);
        float[] wf = w.toFloats();
        for (VectorKernels kernels : List.of(ONE, TWO)) {
            float[] dx = initial.clone();
            kernels.matmulBackward(dy, m, w, dx);
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < k; c++) {
                    double scale = Math.abs(initial[i * k + c]);
                    for (int j = 0; j < n; j++) scale += Math.abs(dy[i * n + j] * wf[j * k + c]);
                    assertClose(expected[i * k + c], dx[i * k + c], scale,
                            "dx[" + i + ", " + c + "], " + kernels.threads() + " threads");
                }
            }
        }
    }

    /**
     * The same row gives the same bits alone, at any position in any batch, and on any thread count: on the packed
     * dot-product path (k = 1037) and on the outer-product path for short rows (k = 200, 64), whose last group of
     * outputs (n = 70) is narrower than 32.
     */
    @ParameterizedTest(name = "{2} {0} k={1}")
    @MethodSource("dtypesRowLengthsAndShapes")
    void rowsAreBatchInvariantBitForBit(DType dtype, int k, KernelShape shape) {
        Random rnd = new Random(2024 + dtype.ordinal() + k);
        int n = 70;
        Matrix w = matrix(dtype, n, k, rnd, false);
        try (VectorKernels one = new VectorKernels(1, shape); VectorKernels two = new VectorKernels(2, shape)) {
            for (int m : new int[] {1, 2, 3, 4, 5, 6, 7, 33, 49, 97}) {
                float[] x = values(m * k, rnd);
                float[] batched = new float[m * n];
                two.matmul(x, m, w, batched);
                float[] batchedOneThread = new float[m * n];
                one.matmul(x, m, w, batchedOneThread);
                assertBitsEqual(batched, 0, batchedOneThread, 0, m * n, "m=" + m + ": 1 thread vs 2 threads");
                for (int i = 0; i < m; i++) {
                    float[] row = Arrays.copyOfRange(x, i * k, (i + 1) * k);
                    float[] alone = new float[n];
                    two.matmul(row, 1, w, alone);
                    assertBitsEqual(alone, 0, batched, i * n, n, "m=" + m + ", row " + i + " alone vs in the batch");
                }
            }
        }
    }

    /**
     * The register tile does not enter the summation order: shapes of one vector width give the same bits (here the
     * 2×4 and 4×4 tiles on 8 lanes, with m tails of every size around both panel heights).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void shapesOfOneWidthGiveTheSameBits(DType dtype) {
        Random rnd = new Random(77 + dtype.ordinal());
        int n = 133, k = dtype == DType.Q8_0 ? 1120 : 1100;
        Matrix w = matrix(dtype, n, k, rnd, true);
        try (VectorKernels narrow = new VectorKernels(2, KernelShape.V256_2X4);
             VectorKernels wide = new VectorKernels(2, KernelShape.V256_4X4)) {
            for (int m : new int[] {1, 2, 3, 5, 6, 7, 50, 99}) {
                float[] x = values(m * k, rnd);
                float[] a = new float[m * n], b = new float[m * n];
                narrow.matmul(x, m, w, a);
                wide.matmul(x, m, w, b);
                assertBitsEqual(a, 0, b, 0, m * n, "m=" + m + ": v256_2x4 vs v256_4x4");
            }
        }
    }

    @Test
    void shapeIsChosenForTheMachineAndCanBeForced() {
        int bits = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assertEquals(bits >= 512 ? KernelShape.V512_4X4 : KernelShape.V256_2X4, KernelShape.parse("auto"));
        assertEquals(KernelShape.V256_4X4, KernelShape.parse(" v256_4x4 "));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> KernelShape.parse("v1024"));
        assertTrue(bad.getMessage().contains(KernelShape.PROPERTY) && bad.getMessage().contains("v512_4x4"), bad.getMessage());
        for (KernelShape s : KernelShape.values()) {
            assertTrue(s.lanes == 8 || s.registers() <= 32, s + " fits 32 registers");
            if (s == KernelShape.V256_2X4) assertTrue(s.registers() <= 16, "the AVX2 shape fits 16 registers");
        }
    }

    /** Backward rows do not depend on the batch either: dx row i sees only dy row i. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void backwardRowsAreBatchInvariantBitForBit(DType dtype) {
        Random rnd = new Random(99 + dtype.ordinal());
        int n = 300, k = dtype == DType.Q8_0 ? 96 : 101;
        Matrix w = matrix(dtype, n, k, rnd, true);
        for (int m : new int[] {1, 3, 5, 66}) {
            float[] dy = values(m * n, rnd);
            float[] dx = values(m * k, rnd);
            float[] batched = dx.clone();
            TWO.matmulBackward(dy, m, w, batched);
            for (int i = 0; i < m; i++) {
                float[] alone = Arrays.copyOfRange(dx, i * k, (i + 1) * k);
                ONE.matmulBackward(Arrays.copyOfRange(dy, i * n, (i + 1) * n), 1, w, alone);
                assertBitsEqual(alone, 0, batched, i * k, k, "m=" + m + ", row " + i + " alone vs in the batch");
            }
        }
    }

    static Stream<Arguments> dtypesRowLengthsAndShapes() {
        return dtypes().flatMap(t -> Stream.of(1037, 200, 64, 1056).filter(k -> t != DType.Q8_0 || k % DType.Q8_BLOCK == 0)
                .flatMap(k -> Stream.of(KernelShape.values()).map(s -> Arguments.of(t, k, s))));
    }

    static Stream<DType> dtypes() {
        return Stream.of(DType.values());
    }

    /** A real checkpoint: the bf16 lm_head memory-mapped from a fixture shard, used in place. */
    @Test
    @SharedData
    void matmulReadsMappedBf16CheckpointWeights() {
        SafetensorsFile file = SafetensorsFile.open(
                DataDirectory.resolve("fixtures/tiny-llama-bf16-sharded/model-00001-of-00003.safetensors"));
        int n = 1507, k = 64, m = 11;
        Matrix w = file.matrix("lm_head.weight", n, k);
        assertSame(DType.BF16, w.dtype);
        float[] x = values(m * k, new Random(5));
        float[] expected = new float[m * n];
        NAIVE.matmul(x, m, w, expected);
        float[] y = new float[m * n];
        TWO.matmul(x, m, w, y);
        float[] scale = dotMagnitudes(x, m, w);
        for (int i = 0; i < y.length; i++) assertClose(expected[i], y[i], scale[i], "y[" + i / n + ", " + i % n + "]");
    }

    /** Every 16-bit pattern converts exactly as the scalar definitions do (NaNs only need to stay NaN). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("halfTypes")
    void conversionOfEveryHalfPrecisionPatternIsExact(DType dtype) {
        int count = 1 << 16;
        MemorySegment seg = Arena.ofAuto().allocate(2L * count + 2).asSlice(2); // unaligned on purpose
        for (int i = 0; i < count; i++) seg.setAtIndex(I16, i, (short) i);
        Matrix w = new Matrix("all-patterns", dtype, 1, count, seg);
        float[] converted = new float[count];
        WeightChunks.convert(w, 0, 0, count, count / 8, converted, 0, 8);
        for (int i = 0; i < count; i++) {
            float expected = dtype == DType.BF16 ? DType.bf16ToFloat((short) i) : Float.float16ToFloat((short) i);
            if (Float.isNaN(expected) && Float.isNaN(converted[i])) continue;
            String pattern = dtype + " pattern 0x" + Integer.toHexString(i);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(converted[i]), pattern);
        }
    }

    static Stream<DType> halfTypes() {
        return Stream.of(DType.BF16, DType.F16);
    }

    @Test
    void parallelForVisitsEveryIndexOnce() {
        for (VectorKernels kernels : List.of(ONE, TWO)) {
            for (int count : new int[] {0, 1, 2, 3, 1000}) {
                AtomicIntegerArray visits = new AtomicIntegerArray(count);
                kernels.parallelFor(count, visits::incrementAndGet);
                for (int i = 0; i < count; i++) {
                    assertEquals(1, visits.get(i), "index " + i + " of " + count + ", threads " + kernels.threads());
                }
            }
        }
    }

    @Test
    void parallelForUsesTheConfiguredThreadsAndNoMore() {
        try (VectorKernels three = new VectorKernels(3)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            // each index waits until three threads have arrived, so the loop can only finish if three run it
            CountDownLatch arrived = new CountDownLatch(3);
            three.parallelFor(3, i -> {
                seen.add(Thread.currentThread());
                arrived.countDown();
                try {
                    if (!arrived.await(60, TimeUnit.SECONDS)) fail("fewer than 3 threads ran the loop");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(3, seen.size());
            Set<Thread> all = ConcurrentHashMap.newKeySet();
            three.parallelFor(200, i -> all.add(Thread.currentThread()));
            assertTrue(all.size() <= 3, "ran on " + all.size() + " threads");
        }
    }

    /** A matmul inside a parallelFor task (e.g. per sequence) runs on that task's thread and gives the same result. */
    @Test
    void nestedCallsFromTasksComplete() {
        Random rnd = new Random(3);
        Matrix w = matrix(DType.BF16, 100, 200, rnd, false);
        float[] x = values(10 * 200, rnd);
        float[] expected = new float[10 * 100];
        ONE.matmul(x, 10, w, expected);
        float[][] results = new float[4][10 * 100];
        TWO.parallelFor(4, t -> TWO.matmul(x, 10, w, results[t]));
        for (float[] r : results) assertBitsEqual(expected, 0, r, 0, r.length, "nested matmul");
    }

    @Test
    void parallelForRethrowsATaskFailure() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> TWO.parallelFor(100, i -> {
            if (i == 37) throw new IllegalStateException("task 37 failed");
        }));
        assertEquals("task 37 failed", thrown.getMessage());
        AtomicIntegerArray visits = new AtomicIntegerArray(50); // the pool still works afterwards
        TWO.parallelFor(50, visits::incrementAndGet);
        for (int i = 0; i < 50; i++) assertEquals(1, visits.get(i));
    }

    @Test
    void badArgumentsAreRejectedWithClearMessages() {
        Matrix w = Matrix.of("model.layers.0.mlp.up_proj.weight", DType.F32, 4, 3, new float[12]);
        IllegalArgumentException shortX = assertThrows(IllegalArgumentException.class,
                () -> TWO.matmul(new float[5], 2, w, new float[8]));
        assertTrue(shortX.getMessage().contains("up_proj") && shortX.getMessage().contains("x has 5 floats"),
                shortX.getMessage());
        IllegalArgumentException shortY = assertThrows(IllegalArgumentException.class,
                () -> TWO.matmul(new float[6], 2, w, new float[7]));
        assertTrue(shortY.getMessage().contains("y has 7 floats"), shortY.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TWO.matmul(new float[6], -1, w, new float[8]));
        IllegalArgumentException shortDx = assertThrows(IllegalArgumentException.class,
                () -> TWO.matmulBackward(new float[8], 2, w, new float[5]));
        assertTrue(shortDx.getMessage().contains("dx has 5 floats"), shortDx.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TWO.parallelFor(-1, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> new VectorKernels(0));
    }

    @Test
    void zeroRowsIsANoOp() {
        Matrix w = Matrix.of("w", DType.F32, 2, 2, new float[] {1, 2, 3, 4});
        float[] y = {5f};
        TWO.matmul(new float[0], 0, w, y);
        TWO.matmulBackward(new float[0], 0, w, y);
        assertEquals(5f, y[0]);
    }

    // ---------------------------------------------------------------- helpers

    private static float[] values(int count, Random rnd) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    /**
     * A random [n, k] matrix in {@code dtype}: built by {@link Matrix#of}, or (when {@code unaligned}) written raw
     * into a segment that starts 2 bytes off alignment, as a slice of a mapped checkpoint may.
     */
    private static Matrix matrix(DType dtype, int n, int k, Random rnd, boolean unaligned) {
        float[] v = values(n * k, rnd);
        Matrix heap = Matrix.of("test.weight", dtype, n, k, v);
        if (!unaligned) return heap;
        long bytes = heap.data.byteSize();
        MemorySegment seg = Arena.ofAuto().allocate(bytes + 2).asSlice(2);
        MemorySegment.copy(heap.data, 0, seg, 0, bytes);
        return new Matrix("test.weight", dtype, n, k, seg, heap.scales);
    }

    /** Σ_c |x[i, c]·w[j, c]| for every output: the scale a float32 dot product's rounding error is relative to. */
    private static float[] dotMagnitudes(float[] x, int m, Matrix w) {
        int n = w.rows, k = w.cols;
        float[] wf = w.toFloats();
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < k; c++) s += Math.abs((double) x[i * k + c] * wf[j * k + c]);
                out[i * n + j] = (float) s;
            }
        }
        return out;
    }

    private static void assertClose(float expected, float actual, double scale, String what) {
        double tolerance = RELATIVE_TOLERANCE * scale + 1e-30;
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + ", got " + actual + " (tolerance " + tolerance + ")");
        }
    }

    private static void assertBitsEqual(float[] expected, int eo, float[] actual, int ao, int length, String what) {
        for (int i = 0; i < length; i++) {
            if (Float.floatToRawIntBits(expected[eo + i]) != Float.floatToRawIntBits(actual[ao + i])) {
                fail(what + ": element " + i + " differs: " + expected[eo + i] + " vs " + actual[ao + i]);
            }
        }
    }
}
