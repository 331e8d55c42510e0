package dev.bellm.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Vectorised loops over contiguous float runs, for attention (the runs go over keys, or over a head's columns) and
 * SwiGLU ({@link #exp}). Only IEEE lane-wise arithmetic is used, and {@code reduceLanes} only for MAX: no
 * {@code reduceLanes(ADD)} and no {@code lanewise(EXP)}, whose results differ between the interpreted and the
 * compiled code. So a sequence's result depends on nothing but its own numbers: not on the batch around it, the
 * thread, or how warm the JIT is.
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

    /** n rounded up to whole vectors. */
    static int padded(int n) {
        return Math.ceilDiv(n, L) * L;
    }

    /**
     * Attention scores of one query against n keys. Shapes: q [hd] at qo, kt [hd, stride] (the keys transposed, rows
     * of at least {@code padded(n)} floats), p [≥ padded(n)]. {@code p[j] = Σ_c (q[c]·scale)·kt[c, j]}, c increasing,
     * one fused multiply-add per step, the keys a vector at a time with the sums held in registers. The padding
     * {@code p[n .. padded(n))} gets whatever kt holds past key n.
     */
    static void scores(float[] q, int qo, float scale, float[] kt, int stride, int hd, float[] p, int n) {
        int end = padded(n), j = 0;
        for (; j + 4 * L <= end; j += 4 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int c = 0; c < hd; c++) {
                FloatVector a = FloatVector.broadcast(S, q[qo + c] * scale);
                int o = c * stride + j;
                s0 = FloatVector.fromArray(S, kt, o).fma(a, s0);
                s1 = FloatVector.fromArray(S, kt, o + L).fma(a, s1);
                s2 = FloatVector.fromArray(S, kt, o + 2 * L).fma(a, s2);
                s3 = FloatVector.fromArray(S, kt, o + 3 * L).fma(a, s3);
            }
            s0.intoArray(p, j);
            s1.intoArray(p, j + L);
            s2.intoArray(p, j + 2 * L);
            s3.intoArray(p, j + 3 * L);
        }
        for (; j < end; j += L) {
            FloatVector s0 = FloatVector.zero(S);
            for (int c = 0; c < hd; c++) {
                s0 = FloatVector.fromArray(S, kt, c * stride + j).fma(FloatVector.broadcast(S, q[qo + c] * scale), s0);
            }
            s0.intoArray(p, j);
        }
    }

    /**
     * Softmax of {@code p[0 .. n)} in place, computed stably (the maximum subtracted first), over whole vectors: the
     * padding {@code p[n .. padded(n))} is set to −∞ first, so it ends up 0.
     */
    static void softmax(float[] p, int n) {
        int end = padded(n);
        Arrays.fill(p, n, end, Float.NEGATIVE_INFINITY);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < end; i += L) vmax = vmax.max(FloatVector.fromArray(S, p, i));
        float max = vmax.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
        FloatVector vsum = FloatVector.zero(S);
        for (int i = 0; i < end; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, p, i).sub(max));
            e.intoArray(p, i);
            vsum = vsum.add(e);
        }
        scale(p, 0, end, 1 / sumLanes(vsum));
    }

    /**
     * The probability-weighted sum of n value rows. Shapes: p [n], v rows at {@code v[vo + j·stride ..+hd)}, out [hd]
     * at oo. {@code out[c] = Σ_j p[j]·v[j, c]}, j increasing, one fused multiply-add per step (a multiply and an add
     * for the columns past the last whole vector), the columns a vector at a time.
     */
    static void weightedSum(float[] p, int n, float[] v, int vo, int stride, int hd, float[] out, int oo) {
        int c = 0;
        for (; c + 4 * L <= hd; c += 4 * L) {
            FloatVector o0 = FloatVector.zero(S), o1 = o0, o2 = o0, o3 = o0;
            for (int j = 0; j < n; j++) {
                FloatVector a = FloatVector.broadcast(S, p[j]);
                int r = vo + j * stride + c;
                o0 = FloatVector.fromArray(S, v, r).fma(a, o0);
                o1 = FloatVector.fromArray(S, v, r + L).fma(a, o1);
                o2 = FloatVector.fromArray(S, v, r + 2 * L).fma(a, o2);
                o3 = FloatVector.fromArray(S, v, r + 3 * L).fma(a, o3);
            }
            o0.intoArray(out, oo + c);
            o1.intoArray(out, oo + c + L);
            o2.intoArray(out, oo + c + 2 * L);
            o3.intoArray(out, oo + c + 3 * L);
        }
        for (; c + L <= hd; c += L) {
            FloatVector o0 = FloatVector.zero(S);
            for (int j = 0; j < n; j++) {
                o0 = FloatVector.fromArray(S, v, vo + j * stride + c).fma(FloatVector.broadcast(S, p[j]), o0);
            }
            o0.intoArray(out, oo + c);
        }
        for (; c < hd; c++) {
            float sum = 0;
            for (int j = 0; j < n; j++) sum += p[j] * v[vo + j * stride + c];
            out[oo + c] = sum;
        }
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
