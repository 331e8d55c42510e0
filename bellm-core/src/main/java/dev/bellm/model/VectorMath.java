package dev.bellm.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised loops over contiguous float runs, for attention (where the runs go over keys). Each reduces in a
 * fixed order that depends only on n, so a sequence's result never depends on what else is in the batch.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

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
        float sum = acc.reduceLanes(VectorOperators.ADD);
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
            FloatVector e = FloatVector.fromArray(S, a, o + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(a, o + i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            a[o + i] = (float) Math.exp(a[o + i] - max);
            sum += a[o + i];
        }
        scale(a, o, n, 1 / sum);
    }
}
