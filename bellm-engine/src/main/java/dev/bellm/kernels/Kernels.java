package dev.bellm.kernels;

import dev.bellm.tensor.Matrix;

import java.util.function.IntConsumer;

/**
 * The one interface between model code and compute. Activations are row-major float arrays; weights are
 * {@link Matrix} in their stored dtype ({@code W[n, k]}, one row per output feature).
 * {@link NaiveKernels} is the reference the fast implementation is tested against.
 */
public interface Kernels {

    /**
     * Forward of a linear map. Shapes: x [m, k], w [n, k], y [m, n]. {@code y = x · wᵀ}, overwriting y.
     * Each output row depends only on its input row, and is summed in the same order whatever m is,
     * so a sequence gives the same result alone or in any batch.
     */
    void matmul(float[] x, int m, Matrix w, float[] y);

    /** Backward of {@link #matmul} with respect to x. Shapes: dy [m, n], w [n, k], dx [m, k]. {@code dx += dy · w}. */
    void matmulBackward(float[] dy, int m, Matrix w, float[] dx);

    /** Runs {@code task.accept(i)} for i in [0, count), on this instance's threads. Returns when all are done. */
    void parallelFor(int count, IntConsumer task);

    /** How many threads {@link #parallelFor} and the matmuls use. */
    int threads();

    /** Which implementation computes, in words (for {@code bellm info} and logs). */
    default String describe() {
        return getClass().getSimpleName() + ", " + threads() + " threads";
    }
}
