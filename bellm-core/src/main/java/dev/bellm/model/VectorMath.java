package dev.bellm.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised loops over contiguous float runs, for attention (where the runs go over keys). Only IEEE lane-wise
 * arithmetic is used: no {@code reduceLanes(ADD)} and no {@code lanewise(EXP)}, whose results differ between
 * the interpreted and the compiled code. So a sequence's result depends on nothing but its own numbers: not on
 * the batch around it, the thread, or how warm the JIT is.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;

    private VectorMath() {}

    /** {@code y[yo + i] += a · x[xo + i]} for i in [0, n). */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, a);
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** {@code Σ a[ao + i] · b[bo + i]} for i in [0, n). */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; i <= n - L; i += L) acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        float sum = sumLanes(acc);
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** {@code a[o + i] *= s} for i in [0, n). */
    static void scale(float[] a, int o, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, o + i).mul(s).intoArray(a, o + i);
        for (; i < n; i++) a[o + i] *= s;
    }

    /** Softmax of {@code a[o .. o + n)} in place, computed stably (the maximum subtracted first). */
    static void softmax(float[] a, int o, int n) {
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i <= n - L; i += L) vmax = vmax.max(FloatVector.fromArray(S, a, o + i));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, a[o + i]);
        i = 0;
        FloatVector vsum = FloatVector.zero(S);
        for (; i <= n - L; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, a, o + i).sub(max));
            e.intoArray(a, o + i);
            vsum = vsum.add(e);
        }
        float sum = sumLanes(vsum);
        for (; i < n; i++) {
            a[o + i] = (float) Math.exp(a[o + i] - max);
            sum += a[o + i];
        }
        scale(a, o, n, 1 / sum);
    }

    /** The lanes added from first to last (read one by one: {@code toArray} would allocate on every call). */
    private static float sumLanes(FloatVector v) {
        float sum = 0;
        for (int i = 0; i < L; i++) sum += v.lane(i);
        return sum;
    }

    /**
     * e^x for x ≤ 0 (what softmax feeds it): x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to
     * degree 7 (relative error below 2e-8), and 2^k put straight into the exponent bits. Inputs below −87 give 0.
     */
    static FloatVector exp(FloatVector x) {
        var tiny = x.compare(VectorOperators.LT, -87f);
        x = x.max(-87f);
        // round(x·log2e) for x ≤ 0: truncation of a value shifted by −½
        var k = x.mul(LOG2E).sub(0.5f).convert(VectorOperators.F2I, 0).reinterpretAsInts();
        FloatVector kf = (FloatVector) k.convert(VectorOperators.I2F, 0);
        FloatVector r = kf.fma(FloatVector.broadcast(S, -LN2_HI), x).add(kf.mul(-LN2_LO)); // x − k·ln2 in two steps (Cody–Waite)
        FloatVector p = FloatVector.broadcast(S, 1f / 5040);
        p = p.fma(r, FloatVector.broadcast(S, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        FloatVector twoK = k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(twoK).blend(0f, tiny);
    }
}
