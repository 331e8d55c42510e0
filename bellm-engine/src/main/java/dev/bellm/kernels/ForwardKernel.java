package dev.bellm.kernels;

/**
 * The forward (dot-product) micro-kernels of one vector width, on the packed buffers of {@code VectorKernels}'
 * forward plan. A chunk is {@link #lanes()} consecutive floats of a row of x or w (zero past k).
 *
 * <p>Layouts, with L = lanes: an x panel of {@code rows} rows holds chunk c of its row q at {@code xo + (c·rows + q)·L};
 * a w strip of 4 rows holds chunk c of its row q at {@code wo + (c·4 + q)·L}; accumulators of the panel's row q and
 * the strip's row p are at {@code ao + (q·4 + p)·L}. Every accumulator gets the same sequence of fused multiply-adds,
 * c increasing, whatever {@code rows} is, so a row's result does not depend on the rows computed beside it.
 */
sealed interface ForwardKernel permits Forward8, Forward16 {
    int lanes();

    /** Accumulates one panel of 1 to 4 rows against one strip over {@code chunks} chunks. */
    void panel(float[] xp, int xo, int rows, float[] wp, int wo, int chunks, float[] acc, int ao);

    /**
     * Sums the lanes of L accumulators into {@code dst[off .. off + count)} (count ≤ L), always in the same tree.
     * Accumulator a (output a of the group) is at {@code acc[lo + (a / 4)·stripStride + (a % 4)·L ..+L)}.
     */
    void reduce(float[] acc, int lo, int stripStride, float[] dst, int off, int count);
}
