package dev.bellm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner loops of {@link VectorKernels}, on packed float buffers, 8 lanes (AVX2 width).
 *
 * <p>Summation order is part of the contract. In the forward kernels every output {@code y[i, j]} owns one
 * 8-lane accumulator: lane l sums {@code x[i, c]·w[j, c]} over c ≡ l (mod 8) in increasing c, one fused
 * multiply-add per step, and {@link #reduce8} folds the lanes in a fixed tree. The 2-row and 1-row kernels
 * run exactly that sequence for each accumulator they hold, so a row gives the same bits whichever kernel
 * computes it, which is what makes a batch's rows independent of each other. The backward kernels likewise
 * add one {@code dy[i, j]·w[j, c]} per step, j increasing, into {@code dx[i, c]}. Everything here is lanewise
 * IEEE arithmetic (never {@code reduceLanes}, whose order is unspecified), so interpreted and compiled code
 * agree bit for bit.
 */
final class MicroKernels {
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    /** Rows of x per forward micro-kernel and rows of w (outputs) per packed strip: 2 × 4 accumulators. */
    static final int FWD_ROWS = 2;
    static final int FWD_COLS = 4;
    /** Rows of dx per backward micro-kernel, and its width in floats (four vectors): 2 × 4 accumulators. */
    static final int BWD_ROWS = 2;
    static final int BWD_WIDTH = 32;

    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F8, 0b1111_0000);
    private static final VectorMask<Float> UPPER_PAIRS = VectorMask.fromLong(F8, 0b1100_1100);
    private static final VectorMask<Float> ODD_LANES = VectorMask.fromLong(F8, 0b1010_1010);
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromValues(F8, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Float> SWAP_NEIGHBOURS = VectorShuffle.fromValues(F8, 1, 0, 3, 2, 5, 4, 7, 6);
    /** After the three folding levels, lane l holds output {@code TREE_ORDER[l]}; this shuffle is its own inverse. */
    private static final VectorShuffle<Float> TREE_ORDER = VectorShuffle.fromValues(F8, 0, 4, 2, 6, 1, 5, 3, 7);

    private MicroKernels() {}

    /**
     * Forward, 2 rows of x × 4 rows of w. Shapes: x panel {@code [chunks][2][8]} at xo, w strip
     * {@code [chunks][4][8]} at wo, accumulators {@code [2][4][8]} at ao, loaded and stored back so a long k can
     * be split into blocks. 8 accumulators + 4 w + 2 x vectors fit the 16 AVX2
     * registers even when C2 hoists every load to the top of the loop body (a 3×4 block spilled, at half speed).
     */
    static void forward2x4(float[] xp, int xo, float[] wp, int wo, int chunks, float[] acc, int ao) {
        int a1 = ao + 32;
        FloatVector c00 = FloatVector.fromArray(F8, acc, ao), c01 = FloatVector.fromArray(F8, acc, ao + 8);
        FloatVector c02 = FloatVector.fromArray(F8, acc, ao + 16), c03 = FloatVector.fromArray(F8, acc, ao + 24);
        FloatVector c10 = FloatVector.fromArray(F8, acc, a1), c11 = FloatVector.fromArray(F8, acc, a1 + 8);
        FloatVector c12 = FloatVector.fromArray(F8, acc, a1 + 16), c13 = FloatVector.fromArray(F8, acc, a1 + 24);
        for (int c = 0; c < chunks; c++) {
            int xc = xo + c * 16, wc = wo + c * 32;
            FloatVector w0 = FloatVector.fromArray(F8, wp, wc), w1 = FloatVector.fromArray(F8, wp, wc + 8);
            FloatVector w2 = FloatVector.fromArray(F8, wp, wc + 16), w3 = FloatVector.fromArray(F8, wp, wc + 24);
            FloatVector x = FloatVector.fromArray(F8, xp, xc);
            c00 = x.fma(w0, c00);
            c01 = x.fma(w1, c01);
            c02 = x.fma(w2, c02);
            c03 = x.fma(w3, c03);
            x = FloatVector.fromArray(F8, xp, xc + 8);
            c10 = x.fma(w0, c10);
            c11 = x.fma(w1, c11);
            c12 = x.fma(w2, c12);
            c13 = x.fma(w3, c13);
        }
        c00.intoArray(acc, ao);
        c01.intoArray(acc, ao + 8);
        c02.intoArray(acc, ao + 16);
        c03.intoArray(acc, ao + 24);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + 8);
        c12.intoArray(acc, a1 + 16);
        c13.intoArray(acc, a1 + 24);
    }

    /**
     * Forward, one row of x ({@code [chunks][8]} at xo) × 4 rows of w: the same per-accumulator steps as
     * {@link #forward2x4}.
     */
    static void forward1x4(float[] xp, int xo, float[] wp, int wo, int chunks, float[] acc, int ao) {
        FloatVector c0 = FloatVector.fromArray(F8, acc, ao), c1 = FloatVector.fromArray(F8, acc, ao + 8);
        FloatVector c2 = FloatVector.fromArray(F8, acc, ao + 16), c3 = FloatVector.fromArray(F8, acc, ao + 24);
        for (int c = 0; c < chunks; c++) {
            int wc = wo + c * 32;
            FloatVector x = FloatVector.fromArray(F8, xp, xo + c * 8);
            c0 = x.fma(FloatVector.fromArray(F8, wp, wc), c0);
            c1 = x.fma(FloatVector.fromArray(F8, wp, wc + 8), c1);
            c2 = x.fma(FloatVector.fromArray(F8, wp, wc + 16), c2);
            c3 = x.fma(FloatVector.fromArray(F8, wp, wc + 24), c3);
        }
        c0.intoArray(acc, ao);
        c1.intoArray(acc, ao + 8);
        c2.intoArray(acc, ao + 16);
        c3.intoArray(acc, ao + 24);
    }

    /**
     * Sums the lanes of eight accumulators into {@code dst[off .. off + count)} (count ≤ 8), always in the same tree:
     * halves, then pairs, then neighbours. Accumulators 0..3 are at {@code acc[lo + 8q ..+8)}, 4..7 at
     * {@code acc[hi + 8q ..+8)}.
     *
     * <p>Each level pairs partials the same way: where the level's mask is clear a lane keeps the first vector's
     * partial and adds the partner partial (the lane the level's swap maps it to); where set, the same for the second
     * vector. The levels are written out, and the result stored here, rather than passed between small helpers:
     * inside a large compilation such as {@code ForwardPlan.tile}, C2 stops inlining small methods once the graph is
     * big (NodeCountInliningCutoff), and a vector passed to or returned from a call that is not inlined is boxed,
     * which made whole-model embedding about 30 % slower.
     */
    static void reduce8(float[] acc, int lo, int hi, float[] dst, int off, int count) {
        FloatVector a0 = FloatVector.fromArray(F8, acc, lo), a1 = FloatVector.fromArray(F8, acc, lo + 8);
        FloatVector a2 = FloatVector.fromArray(F8, acc, lo + 16), a3 = FloatVector.fromArray(F8, acc, lo + 24);
        FloatVector a4 = FloatVector.fromArray(F8, acc, hi), a5 = FloatVector.fromArray(F8, acc, hi + 8);
        FloatVector a6 = FloatVector.fromArray(F8, acc, hi + 16), a7 = FloatVector.fromArray(F8, acc, hi + 24);
        // halves: [a.lo + a.hi | b.hi + b.lo], four partial sums of a in the lower half, four of b in the upper
        FloatVector s01 = a0.blend(a1, UPPER_HALF).add(a1.blend(a0, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector s23 = a2.blend(a3, UPPER_HALF).add(a3.blend(a2, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector s45 = a4.blend(a5, UPPER_HALF).add(a5.blend(a4, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector s67 = a6.blend(a7, UPPER_HALF).add(a7.blend(a6, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector t0123 = s01.blend(s23, UPPER_PAIRS).add(s23.blend(s01, UPPER_PAIRS).rearrange(SWAP_PAIRS));
        FloatVector t4567 = s45.blend(s67, UPPER_PAIRS).add(s67.blend(s45, UPPER_PAIRS).rearrange(SWAP_PAIRS));
        FloatVector sums = t0123.blend(t4567, ODD_LANES).add(t4567.blend(t0123, ODD_LANES).rearrange(SWAP_NEIGHBOURS))
                .rearrange(TREE_ORDER);
        if (count >= 8) sums.intoArray(dst, off);
        else sums.intoArray(dst, off, F8.indexInRange(0, count));
    }

    /**
     * Backward, 2 rows of dx × 32 columns. Shapes: dy rows at {@code dy[dyo + r·dyRow + j]}, w block group
     * {@code [count][32]} at wo, dx tile rows at {@code tile[to + r·tileRow ..+32)}, accumulated in place.
     * 8 accumulators + 4 w vectors + 2 broadcasts: within the 16 registers, like {@link #forward2x4}.
     */
    static void backward2x4(float[] dy, int dyo, int dyRow, int count, float[] wp, int wo, float[] tile, int to,
                            int tileRow) {
        int t1 = to + tileRow, d1 = dyo + dyRow;
        FloatVector c00 = FloatVector.fromArray(F8, tile, to), c01 = FloatVector.fromArray(F8, tile, to + 8);
        FloatVector c02 = FloatVector.fromArray(F8, tile, to + 16), c03 = FloatVector.fromArray(F8, tile, to + 24);
        FloatVector c10 = FloatVector.fromArray(F8, tile, t1), c11 = FloatVector.fromArray(F8, tile, t1 + 8);
        FloatVector c12 = FloatVector.fromArray(F8, tile, t1 + 16), c13 = FloatVector.fromArray(F8, tile, t1 + 24);
        for (int j = 0; j < count; j++) {
            int wj = wo + j * 32;
            FloatVector w0 = FloatVector.fromArray(F8, wp, wj), w1 = FloatVector.fromArray(F8, wp, wj + 8);
            FloatVector w2 = FloatVector.fromArray(F8, wp, wj + 16), w3 = FloatVector.fromArray(F8, wp, wj + 24);
            FloatVector g = FloatVector.broadcast(F8, dy[dyo + j]);
            c00 = g.fma(w0, c00);
            c01 = g.fma(w1, c01);
            c02 = g.fma(w2, c02);
            c03 = g.fma(w3, c03);
            g = FloatVector.broadcast(F8, dy[d1 + j]);
            c10 = g.fma(w0, c10);
            c11 = g.fma(w1, c11);
            c12 = g.fma(w2, c12);
            c13 = g.fma(w3, c13);
        }
        c00.intoArray(tile, to);
        c01.intoArray(tile, to + 8);
        c02.intoArray(tile, to + 16);
        c03.intoArray(tile, to + 24);
        c10.intoArray(tile, t1);
        c11.intoArray(tile, t1 + 8);
        c12.intoArray(tile, t1 + 16);
        c13.intoArray(tile, t1 + 24);
    }

    /** Backward, one row of dx × 32 columns: the same per-accumulator steps as {@link #backward2x4}. */
    static void backward1x4(float[] dy, int dyo, int count, float[] wp, int wo, float[] tile, int to) {
        FloatVector c0 = FloatVector.fromArray(F8, tile, to), c1 = FloatVector.fromArray(F8, tile, to + 8);
        FloatVector c2 = FloatVector.fromArray(F8, tile, to + 16), c3 = FloatVector.fromArray(F8, tile, to + 24);
        for (int j = 0; j < count; j++) {
            int wj = wo + j * 32;
            FloatVector g = FloatVector.broadcast(F8, dy[dyo + j]);
            c0 = g.fma(FloatVector.fromArray(F8, wp, wj), c0);
            c1 = g.fma(FloatVector.fromArray(F8, wp, wj + 8), c1);
            c2 = g.fma(FloatVector.fromArray(F8, wp, wj + 16), c2);
            c3 = g.fma(FloatVector.fromArray(F8, wp, wj + 24), c3);
        }
        c0.intoArray(tile, to);
        c1.intoArray(tile, to + 8);
        c2.intoArray(tile, to + 16);
        c3.intoArray(tile, to + 24);
    }
}
