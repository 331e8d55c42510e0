package dev.bellm.onednn;

import dev.bellm.kernels.Bf16Rounding;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

/**
 * {@link Kernels} whose matmuls run in oneDNN: BF16 weights through {@code dnnl_gemm_bf16bf16f32} (the CPU's bf16
 * dot-product instructions; activations are rounded to bf16 first, as PyTorch's bf16 matmul does), F32 weights
 * through {@code dnnl_sgemm}; the backward the same way, so training's input gradients {@code dx += dy·w} take the
 * same instructions (dy rounded to bf16 for BF16 weights, as in PyTorch's bf16 autograd). F16 and Q8_0 weights and
 * weights whose address is not aligned to their element run in the pure-Java {@link VectorKernels}, which also run
 * every {@link #parallelFor}.
 *
 * <p>oneDNN only ever sees what bellm has validated: a {@link Matrix} (its segment's size checked against its shape
 * when it was made) and activation arrays whose lengths are checked here against m, n and k before the call.
 *
 * <p>Batch invariance: oneDNN picks its kernels and blocking by shape, so a row's result may differ in the last bits
 * with the number of rows beside it; {@code OneDnnKernelsTest} bounds that difference (and the difference from the
 * Java kernels) relative to the dot product's magnitude Σ|x·w|: 1e-6 for f32, 1e-6 for bf16 against the same
 * rounded activations (activation rounding itself costs up to 2⁻⁸ relative).
 */
public final class OneDnnKernels implements Kernels, AutoCloseable {
    /** Below this many values one thread rounds them: waking the others would cost more. */
    private static final int PARALLEL_ROUNDING = 1 << 15;
    private static final ThreadLocal<short[][]> BF16_SCRATCH = ThreadLocal.withInitial(() -> new short[1][0]);

    private final OneDnnLibrary lib;
    private final VectorKernels java;
    private final int threads;
    private final boolean bf16;

    /**
     * @param threads OpenMP threads per call, and the Java kernels' threads
     * @param bf16 whether BF16 weights use oneDNN's bf16 GEMM (the CPU has bf16 dot products); else the Java kernels
     */
    public OneDnnKernels(int threads, boolean bf16) {
        this.lib = OneDnnLibrary.get();
        this.java = new VectorKernels(threads);
        this.threads = threads;
        this.bf16 = bf16;
    }

    @Override
    public void matmul(float[] x, int m, Matrix w, float[] y) {
        int n = w.rows, k = w.cols;
        check("matmul", w, "x", x, m, k);
        check("matmul", w, "y", y, m, n);
        if (m == 0) return;
        switch (route(w)) {
            case SGEMM -> {
                lib.setThreads(threads);
                lib.sgemmNT(m, n, k, MemorySegment.ofArray(x), w.data, 0f, MemorySegment.ofArray(y));
            }
            case BF16_GEMM -> {
                short[] xb = toBf16(x, m * k);
                lib.setThreads(threads);
                lib.bf16gemmNT(m, n, k, MemorySegment.ofArray(xb), w.data, 0f, MemorySegment.ofArray(y));
            }
            case JAVA -> java.matmul(x, m, w, y);
        }
    }

    @Override
    public void matmulBackward(float[] dy, int m, Matrix w, float[] dx) {
        int n = w.rows, k = w.cols;
        check("matmulBackward", w, "dy", dy, m, n);
        check("matmulBackward", w, "dx", dx, m, k);
        if (m == 0) return;
        switch (route(w)) {
            case SGEMM -> {
                lib.setThreads(threads);
                lib.sgemmNN(m, k, n, MemorySegment.ofArray(dy), w.data, 1f, MemorySegment.ofArray(dx));
            }
            case BF16_GEMM -> {
                short[] dyb = toBf16(dy, m * n);
                lib.setThreads(threads);
                lib.bf16gemmNN(m, k, n, MemorySegment.ofArray(dyb), w.data, 1f, MemorySegment.ofArray(dx));
            }
            case JAVA -> java.matmulBackward(dy, m, w, dx);
        }
    }

    /** Which GEMM takes {@code w}, forward and backward alike. */
    private enum Route { SGEMM, BF16_GEMM, JAVA }

    private Route route(Matrix w) {
        if (!aligned(w)) return Route.JAVA;
        if (w.dtype == DType.F32) return Route.SGEMM;
        return w.dtype == DType.BF16 && bf16 ? Route.BF16_GEMM : Route.JAVA;
    }

    @Override
    public void parallelFor(int count, IntConsumer task) {
        java.parallelFor(count, task);
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public String describe() {
        return "onednn " + lib.version + ": " + (bf16 ? "BF16 weights by dnnl_gemm_bf16bf16f32, " : "")
                + "F32 by dnnl_sgemm, " + threads + " OpenMP threads; the rest " + java.describe();
    }

    @Override
    public void close() {
        java.close();
    }

    private static boolean aligned(Matrix w) {
        return w.data.isNative() && w.data.address() % w.dtype.bytes == 0;
    }

    /** x[0, count) rounded to bf16 (nearest even) into this thread's scratch array, the rows shared among the threads. */
    private short[] toBf16(float[] x, int count) {
        short[][] holder = BF16_SCRATCH.get();
        if (holder[0].length < count) holder[0] = new short[count];
        short[] out = holder[0];
        int tasks = count < PARALLEL_ROUNDING ? 1 : threads;
        java.parallelFor(tasks, t -> Bf16Rounding.round(x, out, (int) ((long) count * t / tasks), (int) ((long) count * (t + 1) / tasks)));
        return out;
    }

    private static void check(String op, Matrix w, String name, float[] a, int m, int width) {
        if (m < 0) throw new IllegalArgumentException(op + " with " + w + ": m must be >= 0, got " + m);
        long needed = (long) m * width;
        if (a.length < needed) {
            throw new IllegalArgumentException(op + " with " + w + ": " + name + " has " + a.length + " floats, needs "
                    + m + "·" + width + " = " + needed);
        }
    }
}
