package dev.bellm.onednn;

import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.NaiveKernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The oneDNN provider against the naive loops and the Java kernels, and the batch invariance it gives. Errors are
 * measured relative to Σ|x·w| of each dot product, the scale float rounding is relative to.
 */
class OneDnnKernelsTest {
    /** f32 GEMM, and bf16 GEMM against the naive loops on the same bf16-rounded activations. */
    private static final double SAME_INPUTS = 2e-6;
    /** bf16 GEMM against f32 activations: rounding x to bf16 costs up to 2⁻⁹ per product, relative. */
    private static final double ROUNDED_ACTIVATIONS = 1.0 / 256;

    private static final CpuFeatures CPU = CpuFeatures.ofThisMachine();
    private static final OneDnnKernels ONEDNN = (OneDnnKernels) new OneDnnProvider().create(2);
    private static final VectorKernels JAVA = new VectorKernels(2);
    private static final NaiveKernels NAIVE = new NaiveKernels();

    @AfterAll
    static void close() {
        ONEDNN.close();
        JAVA.close();
    }

    @Test
    void loadsFromTheNativesJarAndDescribesItself() {
        assertNull(new OneDnnProvider().unavailableReason());
        assertTrue(ONEDNN.describe().startsWith("onednn 3."), ONEDNN.describe());
        assertEquals(CPU.bf16(), new OneDnnProvider().preferred());
    }

    @Test
    void theSettingChoosesTheProvider() {
        assertInstanceOf(OneDnnKernels.class, KernelProvider.select("onednn", 1));
        assertInstanceOf(VectorKernels.class, KernelProvider.select("java", 1));
        Kernels auto = KernelProvider.select("auto", 1);
        assertEquals(CPU.bf16() ? OneDnnKernels.class : VectorKernels.class, auto.getClass());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> KernelProvider.select("mkl", 1));
        assertTrue(bad.getMessage().contains("onednn") && bad.getMessage().contains("java"), bad.getMessage());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulMatchesTheNaiveLoopsAndTheJavaKernels(DType dtype) {
        Random rnd = new Random(11 + dtype.ordinal());
        for (int[] s : new int[][] {{1, 7, 5}, {3, 70, 64}, {37, 300, 513}, {130, 257, 1030}, {20, 100, 544}}) {
            int m = s[0], n = s[1], k = s[2];
            if (dtype == DType.Q8_0 && k % DType.Q8_BLOCK != 0) continue;
            Matrix w = Matrix.of("w", dtype, n, k, values(n * k, rnd));
            float[] x = values(m * k, rnd);
            float[] y = new float[m * n], java = new float[m * n];
            ONEDNN.matmul(x, m, w, y);
            JAVA.matmul(x, m, w, java);
            boolean roundsX = dtype == DType.BF16 && CPU.bf16();
            float[] xSeen = roundsX ? roundToBf16(x) : x;
            float[] naive = new float[m * n];
            NAIVE.matmul(xSeen, m, w, naive);
            float[] scale = magnitudes(x, m, w);
            for (int i = 0; i < m * n; i++) {
                assertClose(naive[i], y[i], SAME_INPUTS * scale[i], dtype + " " + Arrays.toString(s) + " vs naive, y" + i);
                assertClose(java[i], y[i], (roundsX ? ROUNDED_ACTIVATIONS : SAME_INPUTS) * scale[i],
                        dtype + " " + Arrays.toString(s) + " vs java, y" + i);
            }
            if (dtype == DType.F16 || dtype == DType.Q8_0) assertArrayEquals(java, y, dtype + " runs in the Java kernels");
        }
    }

    /** What batch invariance oneDNN gives: a row alone and in batches of any size agree within SAME_INPUTS. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rowsAloneAndInABatchAgreeWithinTolerance(DType dtype) {
        Random rnd = new Random(5 + dtype.ordinal());
        int n = 896, k = 896;
        Matrix w = Matrix.of("w", dtype, n, k, values(n * k, rnd));
        for (int m : new int[] {2, 7, 32, 200}) {
            float[] x = values(m * k, rnd);
            float[] batched = new float[m * n];
            ONEDNN.matmul(x, m, w, batched);
            float[] scale = magnitudes(x, m, w);
            for (int i = 0; i < m; i += Math.max(1, m / 5)) {
                float[] alone = new float[n];
                ONEDNN.matmul(Arrays.copyOfRange(x, i * k, (i + 1) * k), 1, w, alone);
                for (int j = 0; j < n; j++) {
                    assertClose(alone[j], batched[i * n + j], SAME_INPUTS * scale[i * n + j], dtype + " m=" + m + " row " + i);
                }
            }
        }
    }

    /** dx += dy·w against the naive loops; with bf16 dot products, on the same bf16-rounded dy (and against f32 dy within the rounding). */
    @Test
    void backwardMatchesTheNaiveLoops() {
        Random rnd = new Random(3);
        int m = 33, n = 200, k = 160;
        for (DType dtype : DType.values()) {
            Matrix w = Matrix.of("w", dtype, n, k, values(n * k, rnd));
            float[] dy = values(m * n, rnd), dx = values(m * k, rnd), expected = dx.clone(), unrounded = dx.clone();
            boolean roundsDy = dtype == DType.BF16 && CPU.bf16();
            NAIVE.matmulBackward(roundsDy ? roundToBf16(dy) : dy, m, w, expected);
            NAIVE.matmulBackward(dy, m, w, unrounded);
            float[] before = dx.clone();
            ONEDNN.matmulBackward(dy, m, w, dx);
            float[] wf = w.toFloats();
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < k; c++) {
                    double products = 0;
                    for (int j = 0; j < n; j++) products += Math.abs(dy[i * n + j] * wf[j * k + c]);
                    double scale = Math.abs(before[i * k + c]) + products;
                    assertClose(expected[i * k + c], dx[i * k + c], SAME_INPUTS * scale, dtype + " dx" + i + "," + c);
                    assertClose(unrounded[i * k + c], dx[i * k + c], (roundsDy ? ROUNDED_ACTIVATIONS : SAME_INPUTS) * scale,
                            dtype + " dx" + i + "," + c + " vs f32 dy");
                }
            }
        }
    }

    /** A bf16 matrix at an odd address (a mapped checkpoint may have one) is never handed to oneDNN. */
    @Test
    void unalignedWeightsRunInJava() {
        Random rnd = new Random(9);
        int m = 5, n = 40, k = 300;
        Matrix heap = Matrix.of("w", DType.BF16, n, k, values(n * k, rnd));
        MemorySegment seg = Arena.ofAuto().allocate(heap.data.byteSize() + 1).asSlice(1);
        MemorySegment.copy(heap.data, 0, seg, 0, heap.data.byteSize());
        Matrix odd = new Matrix("w", DType.BF16, n, k, seg);
        float[] x = values(m * k, rnd), y = new float[m * n], java = new float[m * n];
        ONEDNN.matmul(x, m, odd, y);
        JAVA.matmul(x, m, odd, java);
        assertArrayEquals(java, y, "unaligned bf16");
    }

    @Test
    void badLengthsAreRejectedBeforeAnyNativeCall() {
        Matrix w = Matrix.of("model.layers.0.mlp.up_proj.weight", DType.F32, 4, 3, new float[12]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ONEDNN.matmul(new float[5], 2, w, new float[8]));
        assertTrue(e.getMessage().contains("up_proj") && e.getMessage().contains("x has 5 floats"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ONEDNN.matmul(new float[6], 2, w, new float[7]));
        assertThrows(IllegalArgumentException.class, () -> ONEDNN.matmulBackward(new float[8], 2, w, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> ONEDNN.matmul(new float[6], -1, w, new float[8]));
    }

    // ---------------------------------------------------------------- helpers

    private static float[] values(int count, Random rnd) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private static float[] roundToBf16(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = DType.bf16ToFloat(DType.floatToBf16(x[i]));
        return r;
    }

    private static float[] magnitudes(float[] x, int m, Matrix w) {
        int n = w.rows, k = w.cols;
        float[] wf = w.toFloats(), out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < k; c++) s += Math.abs((double) x[i * k + c] * wf[j * k + c]);
                out[i * n + j] = (float) s;
            }
        }
        return out;
    }

    private static void assertClose(float expected, float actual, double tolerance, String what) {
        if (!(Math.abs(expected - actual) <= tolerance + 1e-30)) {
            fail(what + ": expected " + expected + ", got " + actual + " (tolerance " + tolerance + ")");
        }
    }

    private static void assertArrayEquals(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " differs: " + expected[i] + " vs " + actual[i]);
            }
        }
    }
}
