package dev.bellm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ForwardKernel} micro-kernels on 16-lane vectors (SPECIES_512). Each method keeps its accumulators in
 * registers for the whole k-block and writes them back, so a long k can be split into blocks. Vectors are never
 * passed to or returned from helpers: a vector crossing a call that C2 does not inline is boxed (see
 * {@link #reduce}). Everything is lanewise IEEE arithmetic (never {@code reduceLanes}, whose order is
 * unspecified), so interpreted and compiled code agree bit for bit. Generated shape by shape, like its sibling.
 */
final class Forward16 implements ForwardKernel {
    static final Forward16 INSTANCE = new Forward16();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16;

    private static final VectorMask<Float> UPPER_8 = VectorMask.fromLong(S, 0xff00L);
    private static final VectorShuffle<Float> SWAP_8 = VectorShuffle.fromValues(S, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    private static final VectorMask<Float> UPPER_4 = VectorMask.fromLong(S, 0xf0f0L);
    private static final VectorShuffle<Float> SWAP_4 = VectorShuffle.fromValues(S, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    private static final VectorMask<Float> UPPER_2 = VectorMask.fromLong(S, 0xccccL);
    private static final VectorShuffle<Float> SWAP_2 = VectorShuffle.fromValues(S, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    private static final VectorMask<Float> UPPER_1 = VectorMask.fromLong(S, 0xaaaaL);
    private static final VectorShuffle<Float> SWAP_1 = VectorShuffle.fromValues(S, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    /** After the folding levels lane p holds the sum of one accumulator; this shuffle puts output j in lane j. */
    private static final VectorShuffle<Float> TREE_ORDER = VectorShuffle.fromValues(S, 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15);

    private Forward16() {}

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public void panel(float[] xp, int xo, int rows, float[] wp, int wo, int chunks, float[] acc, int ao) {
        int stride = rows * L;
        switch (rows) {
            case 4 -> forward4x4(xp, xo, wp, wo, chunks, acc, ao);
            case 2 -> forward2x4(xp, xo, stride, wp, wo, chunks, acc, ao);
            case 3 -> {
                forward2x4(xp, xo, stride, wp, wo, chunks, acc, ao);
                forward1x4(xp, xo + 2 * L, stride, wp, wo, chunks, acc, ao + 8 * L);
            }
            default -> forward1x4(xp, xo, stride, wp, wo, chunks, acc, ao);
        }
    }

    /** 4 rows × 4 outputs: 16 accumulators + 4 w + 4 x vectors, within AVX-512's 32 registers. */
    private static void forward4x4(float[] xp, int xo, float[] wp, int wo, int chunks, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(S, acc, ao + 0 * L);
        FloatVector c01 = FloatVector.fromArray(S, acc, ao + 1 * L);
        FloatVector c02 = FloatVector.fromArray(S, acc, ao + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, acc, ao + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, acc, ao + 4 * L);
        FloatVector c11 = FloatVector.fromArray(S, acc, ao + 5 * L);
        FloatVector c12 = FloatVector.fromArray(S, acc, ao + 6 * L);
        FloatVector c13 = FloatVector.fromArray(S, acc, ao + 7 * L);
        FloatVector c20 = FloatVector.fromArray(S, acc, ao + 8 * L);
        FloatVector c21 = FloatVector.fromArray(S, acc, ao + 9 * L);
        FloatVector c22 = FloatVector.fromArray(S, acc, ao + 10 * L);
        FloatVector c23 = FloatVector.fromArray(S, acc, ao + 11 * L);
        FloatVector c30 = FloatVector.fromArray(S, acc, ao + 12 * L);
        FloatVector c31 = FloatVector.fromArray(S, acc, ao + 13 * L);
        FloatVector c32 = FloatVector.fromArray(S, acc, ao + 14 * L);
        FloatVector c33 = FloatVector.fromArray(S, acc, ao + 15 * L);
        for (int c = 0; c < chunks; c++) {
            int xc = xo + c * 4 * L, wc = wo + c * 4 * L;
            FloatVector w0 = FloatVector.fromArray(S, wp, wc), w1 = FloatVector.fromArray(S, wp, wc + L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wc + 2 * L), w3 = FloatVector.fromArray(S, wp, wc + 3 * L);
            FloatVector x0 = FloatVector.fromArray(S, xp, xc + 0 * L);
            c00 = x0.fma(w0, c00);
            c01 = x0.fma(w1, c01);
            c02 = x0.fma(w2, c02);
            c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.fromArray(S, xp, xc + 1 * L);
            c10 = x1.fma(w0, c10);
            c11 = x1.fma(w1, c11);
            c12 = x1.fma(w2, c12);
            c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.fromArray(S, xp, xc + 2 * L);
            c20 = x2.fma(w0, c20);
            c21 = x2.fma(w1, c21);
            c22 = x2.fma(w2, c22);
            c23 = x2.fma(w3, c23);
            FloatVector x3 = FloatVector.fromArray(S, xp, xc + 3 * L);
            c30 = x3.fma(w0, c30);
            c31 = x3.fma(w1, c31);
            c32 = x3.fma(w2, c32);
            c33 = x3.fma(w3, c33);
        }
        c00.intoArray(acc, ao + 0 * L);
        c01.intoArray(acc, ao + 1 * L);
        c02.intoArray(acc, ao + 2 * L);
        c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + 4 * L);
        c11.intoArray(acc, ao + 5 * L);
        c12.intoArray(acc, ao + 6 * L);
        c13.intoArray(acc, ao + 7 * L);
        c20.intoArray(acc, ao + 8 * L);
        c21.intoArray(acc, ao + 9 * L);
        c22.intoArray(acc, ao + 10 * L);
        c23.intoArray(acc, ao + 11 * L);
        c30.intoArray(acc, ao + 12 * L);
        c31.intoArray(acc, ao + 13 * L);
        c32.intoArray(acc, ao + 14 * L);
        c33.intoArray(acc, ao + 15 * L);
    }

    /** 2 rows (chunk c of row q at {@code xo + c·xStride + q·L}) × 4 outputs: 8 accumulators, within 16 registers. */
    private static void forward2x4(float[] xp, int xo, int xStride, float[] wp, int wo, int chunks, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(S, acc, ao + 0 * L);
        FloatVector c01 = FloatVector.fromArray(S, acc, ao + 1 * L);
        FloatVector c02 = FloatVector.fromArray(S, acc, ao + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, acc, ao + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, acc, ao + 4 * L);
        FloatVector c11 = FloatVector.fromArray(S, acc, ao + 5 * L);
        FloatVector c12 = FloatVector.fromArray(S, acc, ao + 6 * L);
        FloatVector c13 = FloatVector.fromArray(S, acc, ao + 7 * L);
        for (int c = 0; c < chunks; c++) {
            int xc = xo + c * xStride, wc = wo + c * 4 * L;
            FloatVector w0 = FloatVector.fromArray(S, wp, wc), w1 = FloatVector.fromArray(S, wp, wc + L);
            FloatVector w2 = FloatVector.fromArray(S, wp, wc + 2 * L), w3 = FloatVector.fromArray(S, wp, wc + 3 * L);
            FloatVector x0 = FloatVector.fromArray(S, xp, xc + 0 * L);
            c00 = x0.fma(w0, c00);
            c01 = x0.fma(w1, c01);
            c02 = x0.fma(w2, c02);
            c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.fromArray(S, xp, xc + 1 * L);
            c10 = x1.fma(w0, c10);
            c11 = x1.fma(w1, c11);
            c12 = x1.fma(w2, c12);
            c13 = x1.fma(w3, c13);
        }
        c00.intoArray(acc, ao + 0 * L);
        c01.intoArray(acc, ao + 1 * L);
        c02.intoArray(acc, ao + 2 * L);
        c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + 4 * L);
        c11.intoArray(acc, ao + 5 * L);
        c12.intoArray(acc, ao + 6 * L);
        c13.intoArray(acc, ao + 7 * L);
    }

    /** One row (chunk c at {@code xo + c·xStride}) × 4 outputs: the same per-accumulator steps as the wider tiles. */
    private static void forward1x4(float[] xp, int xo, int xStride, float[] wp, int wo, int chunks, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(S, acc, ao + 0 * L);
        FloatVector c01 = FloatVector.fromArray(S, acc, ao + 1 * L);
        FloatVector c02 = FloatVector.fromArray(S, acc, ao + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, acc, ao + 3 * L);
        for (int c = 0; c < chunks; c++) {
            int wc = wo + c * 4 * L;
            FloatVector x0 = FloatVector.fromArray(S, xp, xo + c * xStride);
            c00 = x0.fma(FloatVector.fromArray(S, wp, wc), c00);
            c01 = x0.fma(FloatVector.fromArray(S, wp, wc + L), c01);
            c02 = x0.fma(FloatVector.fromArray(S, wp, wc + 2 * L), c02);
            c03 = x0.fma(FloatVector.fromArray(S, wp, wc + 3 * L), c03);
        }
        c00.intoArray(acc, ao + 0 * L);
        c01.intoArray(acc, ao + 1 * L);
        c02.intoArray(acc, ao + 2 * L);
        c03.intoArray(acc, ao + 3 * L);
    }

    /**
     * Folds the accumulators pairwise, halving the partial sums per lane at each level: where the level's mask is
     * clear a lane keeps the first vector's partial and adds its partner lane's (the level's swap); where set, the same
     * for the second vector. Written out rather than looped or split into helpers: inside a large compilation C2
     * stops inlining small methods, and a vector passed to a call that is not inlined is boxed.
     */
    @Override
    public void reduce(float[] acc, int lo, int stripStride, float[] dst, int off, int count) {
        FloatVector a0 = FloatVector.fromArray(S, acc, lo + 0 * stripStride + 0 * L);
        FloatVector a1 = FloatVector.fromArray(S, acc, lo + 0 * stripStride + 1 * L);
        FloatVector a2 = FloatVector.fromArray(S, acc, lo + 0 * stripStride + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, acc, lo + 0 * stripStride + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, acc, lo + 1 * stripStride + 0 * L);
        FloatVector a5 = FloatVector.fromArray(S, acc, lo + 1 * stripStride + 1 * L);
        FloatVector a6 = FloatVector.fromArray(S, acc, lo + 1 * stripStride + 2 * L);
        FloatVector a7 = FloatVector.fromArray(S, acc, lo + 1 * stripStride + 3 * L);
        FloatVector a8 = FloatVector.fromArray(S, acc, lo + 2 * stripStride + 0 * L);
        FloatVector a9 = FloatVector.fromArray(S, acc, lo + 2 * stripStride + 1 * L);
        FloatVector a10 = FloatVector.fromArray(S, acc, lo + 2 * stripStride + 2 * L);
        FloatVector a11 = FloatVector.fromArray(S, acc, lo + 2 * stripStride + 3 * L);
        FloatVector a12 = FloatVector.fromArray(S, acc, lo + 3 * stripStride + 0 * L);
        FloatVector a13 = FloatVector.fromArray(S, acc, lo + 3 * stripStride + 1 * L);
        FloatVector a14 = FloatVector.fromArray(S, acc, lo + 3 * stripStride + 2 * L);
        FloatVector a15 = FloatVector.fromArray(S, acc, lo + 3 * stripStride + 3 * L);
        FloatVector s00 = a0.blend(a1, UPPER_8).add(a1.blend(a0, UPPER_8).rearrange(SWAP_8));
        FloatVector s01 = a2.blend(a3, UPPER_8).add(a3.blend(a2, UPPER_8).rearrange(SWAP_8));
        FloatVector s02 = a4.blend(a5, UPPER_8).add(a5.blend(a4, UPPER_8).rearrange(SWAP_8));
        FloatVector s03 = a6.blend(a7, UPPER_8).add(a7.blend(a6, UPPER_8).rearrange(SWAP_8));
        FloatVector s04 = a8.blend(a9, UPPER_8).add(a9.blend(a8, UPPER_8).rearrange(SWAP_8));
        FloatVector s05 = a10.blend(a11, UPPER_8).add(a11.blend(a10, UPPER_8).rearrange(SWAP_8));
        FloatVector s06 = a12.blend(a13, UPPER_8).add(a13.blend(a12, UPPER_8).rearrange(SWAP_8));
        FloatVector s07 = a14.blend(a15, UPPER_8).add(a15.blend(a14, UPPER_8).rearrange(SWAP_8));
        FloatVector s10 = s00.blend(s01, UPPER_4).add(s01.blend(s00, UPPER_4).rearrange(SWAP_4));
        FloatVector s11 = s02.blend(s03, UPPER_4).add(s03.blend(s02, UPPER_4).rearrange(SWAP_4));
        FloatVector s12 = s04.blend(s05, UPPER_4).add(s05.blend(s04, UPPER_4).rearrange(SWAP_4));
        FloatVector s13 = s06.blend(s07, UPPER_4).add(s07.blend(s06, UPPER_4).rearrange(SWAP_4));
        FloatVector s20 = s10.blend(s11, UPPER_2).add(s11.blend(s10, UPPER_2).rearrange(SWAP_2));
        FloatVector s21 = s12.blend(s13, UPPER_2).add(s13.blend(s12, UPPER_2).rearrange(SWAP_2));
        FloatVector s30 = s20.blend(s21, UPPER_1).add(s21.blend(s20, UPPER_1).rearrange(SWAP_1));
        FloatVector sums = s30.rearrange(TREE_ORDER);
        if (count >= L) sums.intoArray(dst, off);
        else sums.intoArray(dst, off, S.indexInRange(0, count));
    }
}
