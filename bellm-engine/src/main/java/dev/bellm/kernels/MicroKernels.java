package dev.bellm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The outer-product inner loops of {@link VectorKernels} (the backward, and the forward for short k), 8 lanes.
 * The forward's dot-product kernels are {@link ForwardKernel}s, one class per vector width.
 *
 * <p>Summation order is part of the contract: the backward kernels add one {@code dy[i, j]·w[j, c]} per step, j
 * increasing, into {@code dx[i, c]}, each output in its own lane, so the vector width does not enter the result. Everything here is lanewise
 * IEEE arithmetic (never {@code reduceLanes}, whose order is unspecified), so interpreted and compiled code
 * agree bit for bit.
 */
final class MicroKernels {
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    /** Rows of dx per backward micro-kernel, and its width in floats (four vectors): 2 × 4 accumulators. */
    static final int BWD_ROWS = 2;
    static final int BWD_WIDTH = 32;

    private MicroKernels() {}

    /**
     * Backward, 2 rows of dx × 32 columns. Shapes: dy rows at {@code dy[dyo + r·dyRow + j]}, w block group
     * {@code [count][32]} at wo, dx tile rows at {@code tile[to + r·tileRow ..+32)}, accumulated in place.
     * 8 accumulators + 4 w vectors + 2 broadcasts: within AVX2's 16 registers.
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
