package dev.bellm.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The element-wise and per-row operations of the decoder, each with its forward and its backward written
 * by hand (llm.c style). Arrays are row-major; shapes are given at the top of each pair. Backward passes
 * accumulate ({@code +=}) into input gradients, so several paths into one tensor simply add up.
 */
public final class Ops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /** Rows of dw per register block of {@link #weightGradient}: 4 × 2 accumulators, 2 x vectors and a broadcast. */
    private static final int GRADIENT_ROWS = 4;
    /** Rows of dy and x per pass of {@link #weightGradient}: its slice of x (32 × 16 floats) stays in L1. */
    private static final int GRADIENT_T_BLOCK = 32;

    /** Dropout draws 64-bit random numbers a vector at a time, and writes as many floats (a half-width vector). */
    private static final VectorSpecies<Long> DRAWS = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> DRAW_FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DRAWS.vectorBitSize() / 2));
    /** SplittableRandom's state step for a generator made with {@code new SplittableRandom(seed)}. */
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    /** Lane l steps the state l + 1 times. */
    private static final LongVector LANE_STEPS = LongVector.zero(DRAWS).addIndex(1).add(1).mul(GOLDEN_GAMMA);

    private Ops() {}

    /**
     * RMSNorm forward. Shapes: x [rows, d] from row {@code row0}, w [d], out [rows, d], rstd [rows].
     * {@code out = x · rstd · w}, {@code rstd = 1 / sqrt(mean(x²) + eps)}.
     */
    public static void rmsnormForward(float[] x, float[] w, float eps, int row0, int rows, int d, float[] out, float[] rstd) {
        for (int r = row0; r < row0 + rows; r++) {
            int o = r * d;
            double ss = 0;
            for (int i = 0; i < d; i++) ss += x[o + i] * x[o + i];
            float s = (float) (1.0 / Math.sqrt(ss / d + eps));
            if (rstd != null) rstd[r] = s;
            for (int i = 0; i < d; i++) out[o + i] = x[o + i] * s * w[i];
        }
    }

    /**
     * RMSNorm backward (the weight is frozen). Shapes: dout [rows, d], x [rows, d], rstd [rows], dx [rows, d].
     * {@code dx_j += w_j·r·dy_j − x_j·r³/d · Σ_i dy_i·w_i·x_i}.
     */
    public static void rmsnormBackward(float[] dout, float[] x, float[] w, float[] rstd, int row0, int rows, int d, float[] dx) {
        for (int r = row0; r < row0 + rows; r++) {
            int o = r * d;
            float s = rstd[r];
            double dot = 0;
            for (int i = 0; i < d; i++) dot += dout[o + i] * w[i] * x[o + i];
            float c = (float) (dot * s * s * s / d);
            for (int i = 0; i < d; i++) dx[o + i] += w[i] * s * dout[o + i] - x[o + i] * c;
        }
    }

    /**
     * SwiGLU forward. Shapes: gate, up, out [n]. {@code out = silu(gate) · up}, {@code silu(g) = g·σ(g)}.
     * Vectorised; the last, partial vector is copied into zero-padded scratch and goes through the same code, so
     * every element gets the same arithmetic wherever it lies in the range.
     */
    public static void swigluForward(float[] gate, float[] up, float[] out, int from, int to) {
        int i = from;
        for (; i <= to - LANES; i += LANES) swigluForward(gate, up, out, i);
        if (i == to) return;
        int rest = to - i;
        float[] g = Arrays.copyOfRange(gate, i, i + LANES), u = Arrays.copyOfRange(up, i, i + LANES), o = new float[LANES];
        swigluForward(g, u, o, 0);
        System.arraycopy(o, 0, out, i, rest);
    }

    private static void swigluForward(float[] gate, float[] up, float[] out, int i) {
        FloatVector g = FloatVector.fromArray(S, gate, i);
        g.mul(sigmoid(g)).mul(FloatVector.fromArray(S, up, i)).intoArray(out, i);
    }

    /**
     * SwiGLU backward. Shapes as forward. {@code dup += dout·silu(g)}, {@code dgate += dout·up·σ(g)·(1 + g·(1 − σ(g)))}.
     * Vectorised with the tail handled as in {@link #swigluForward}.
     */
    public static void swigluBackward(float[] dout, float[] gate, float[] up, float[] dgate, float[] dup, int from, int to) {
        int i = from;
        for (; i <= to - LANES; i += LANES) swigluBackward(dout, gate, up, dgate, dup, i);
        if (i == to) return;
        int rest = to - i;
        float[] d = Arrays.copyOfRange(dout, i, i + LANES), g = Arrays.copyOfRange(gate, i, i + LANES);
        float[] u = Arrays.copyOfRange(up, i, i + LANES);
        float[] dg = Arrays.copyOfRange(dgate, i, i + LANES), du = Arrays.copyOfRange(dup, i, i + LANES);
        swigluBackward(d, g, u, dg, du, 0);
        System.arraycopy(dg, 0, dgate, i, rest);
        System.arraycopy(du, 0, dup, i, rest);
    }

    private static void swigluBackward(float[] dout, float[] gate, float[] up, float[] dgate, float[] dup, int i) {
        FloatVector g = FloatVector.fromArray(S, gate, i), d = FloatVector.fromArray(S, dout, i);
        FloatVector sig = sigmoid(g);
        FloatVector.fromArray(S, dup, i).add(d.mul(g).mul(sig)).intoArray(dup, i);
        FloatVector slope = g.mul(FloatVector.broadcast(S, 1f).sub(sig)).add(1f);
        FloatVector.fromArray(S, dgate, i).add(d.mul(FloatVector.fromArray(S, up, i)).mul(sig).mul(slope)).intoArray(dgate, i);
    }

    /**
     * σ(g) = 1/(1 + e^−g), from e = e^−|g| ≤ 1 (the range {@link VectorMath#exp} serves): 1/(1 + e) for g ≥ 0,
     * e/(1 + e) below.
     */
    private static FloatVector sigmoid(FloatVector g) {
        FloatVector e = VectorMath.exp(g.abs().neg());
        FloatVector positive = FloatVector.broadcast(S, 1f).div(e.add(1f));
        return positive.blend(e.mul(positive), g.compare(VectorOperators.LT, 0f));
    }

    /**
     * Dropout forward. Shapes: x, out, scale [n]. {@code scale[i]} is 0 when the i-th {@code nextDouble()} of
     * {@code new SplittableRandom(seed)} is below p, else {@code 1/(1 − p)}; {@code out = x · scale}.
     *
     * <p>The draws are computed here, as SplittableRandom computes them (the state steps by the golden gamma, then
     * SplitMix64's mix), a vector of lanes at a time: the same mask as calling {@code nextDouble()} n times, at a
     * fraction of the cost. {@code nextDouble()} is {@code (z >>> 11)·2⁻⁵³}, so comparing it with p is comparing the
     * integer {@code z >>> 11} with {@code ceil(p·2⁵³)}, exactly.
     */
    public static void dropout(float[] x, int n, double p, long seed, float[] out, float[] scale) {
        float keep = (float) (1 / (1 - p));
        long threshold = (long) Math.ceil(p * 0x1p53);
        int lanes = DRAWS.length(), i = 0;
        FloatVector keepVector = FloatVector.broadcast(DRAW_FLOATS, keep);
        for (; i <= n - lanes; i += lanes) {
            LongVector z = mix64(LANE_STEPS.add(seed + i * GOLDEN_GAMMA));
            VectorMask<Long> dropped = z.lanewise(VectorOperators.LSHR, 11).compare(VectorOperators.LT, threshold);
            FloatVector s = keepVector.blend(0f, dropped.cast(DRAW_FLOATS));
            s.intoArray(scale, i);
            FloatVector.fromArray(DRAW_FLOATS, x, i).mul(s).intoArray(out, i);
        }
        for (; i < n; i++) {
            long z = mix64(seed + (i + 1) * GOLDEN_GAMMA);
            scale[i] = z >>> 11 < threshold ? 0f : keep;
            out[i] = x[i] * scale[i];
        }
    }

    /** SplitMix64's output function (Stafford's variant 13), as in SplittableRandom. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static LongVector mix64(LongVector z) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xbf58476d1ce4e5b9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94d049bb133111ebL);
        return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    }

    /** {@code y[r, :] += b} for each of {@code rows} rows of width {@code b.length}. */
    public static void addBias(float[] y, float[] b, int rows) {
        int n = b.length;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) y[r * n + i] += b[i];
        }
    }

    /** {@code a[i] += b[i]} for i in [0, n). */
    public static void addInPlace(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) a[i] += b[i];
    }

    /**
     * Weight gradient of a linear map, for the small trainable LoRA matrices.
     * Shapes: dy [m, n], x [m, k], dw [n, k]. {@code dw += scale · dyᵀ · x}.
     *
     * <p>Every {@code dw[j, c]} adds {@code (scale·dy[t, j])·x[t, c]}, a multiply then an add, for t increasing, so
     * the blocking below does not change a bit. Blocks of {@link #GRADIENT_ROWS} rows × two vectors of columns of dw
     * stay in registers while t runs over {@link #GRADIENT_T_BLOCK} rows; columns outermost, so the block's slice of x
     * stays in L1 for all rows of dw. Columns past the last two-vector block and rows past the last 4-row block go
     * one element at a time in the same order.
     */
    public static void weightGradient(float[] dy, float[] x, int m, int n, int k, float scale, float[] dw) {
        weightGradient(dy, x, m, n, k, scale, dw, 0, n);
    }

    /**
     * Rows [rowFrom, rowTo) of {@link #weightGradient(float[], float[], int, int, int, float, float[])}, with the
     * same bits as computing them all at once: so disjoint row ranges can run on different threads.
     */
    public static void weightGradient(float[] dy, float[] x, int m, int n, int k, float scale, float[] dw, int rowFrom,
                                      int rowTo) {
        int blockCols = 2 * LANES, vectorCols = k - k % blockCols;
        int blockRowsEnd = rowFrom + (rowTo - rowFrom) / GRADIENT_ROWS * GRADIENT_ROWS;
        for (int t0 = 0; t0 < m; t0 += GRADIENT_T_BLOCK) {
            int t1 = Math.min(m, t0 + GRADIENT_T_BLOCK);
            for (int c = 0; c < vectorCols; c += blockCols) {
                for (int j = rowFrom; j < blockRowsEnd; j += GRADIENT_ROWS) gradientBlock(dy, x, t0, t1, n, k, j, c, scale, dw);
            }
            for (int j = rowFrom; j < rowTo; j++) {
                int from = j < blockRowsEnd ? vectorCols : 0;
                for (int c = from; c < k; c++) {
                    float sum = dw[j * k + c];
                    for (int t = t0; t < t1; t++) sum += scale * dy[t * n + j] * x[t * k + c];
                    dw[j * k + c] = sum;
                }
            }
        }
    }

    /** Rows [j, j + 4) × columns [c, c + 2·LANES) of {@link #weightGradient}, over rows [t0, t1) of dy and x. */
    private static void gradientBlock(float[] dy, float[] x, int t0, int t1, int n, int k, int j, int c, float scale,
                                      float[] dw) {
        int w0 = j * k + c, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        FloatVector a00 = FloatVector.fromArray(S, dw, w0), a01 = FloatVector.fromArray(S, dw, w0 + LANES);
        FloatVector a10 = FloatVector.fromArray(S, dw, w1), a11 = FloatVector.fromArray(S, dw, w1 + LANES);
        FloatVector a20 = FloatVector.fromArray(S, dw, w2), a21 = FloatVector.fromArray(S, dw, w2 + LANES);
        FloatVector a30 = FloatVector.fromArray(S, dw, w3), a31 = FloatVector.fromArray(S, dw, w3 + LANES);
        for (int t = t0; t < t1; t++) {
            int xo = t * k + c, go = t * n + j;
            FloatVector x0 = FloatVector.fromArray(S, x, xo), x1 = FloatVector.fromArray(S, x, xo + LANES);
            FloatVector g = FloatVector.broadcast(S, scale * dy[go]);
            a00 = a00.add(g.mul(x0));
            a01 = a01.add(g.mul(x1));
            g = FloatVector.broadcast(S, scale * dy[go + 1]);
            a10 = a10.add(g.mul(x0));
            a11 = a11.add(g.mul(x1));
            g = FloatVector.broadcast(S, scale * dy[go + 2]);
            a20 = a20.add(g.mul(x0));
            a21 = a21.add(g.mul(x1));
            g = FloatVector.broadcast(S, scale * dy[go + 3]);
            a30 = a30.add(g.mul(x0));
            a31 = a31.add(g.mul(x1));
        }
        a00.intoArray(dw, w0);
        a01.intoArray(dw, w0 + LANES);
        a10.intoArray(dw, w1);
        a11.intoArray(dw, w1 + LANES);
        a20.intoArray(dw, w2);
        a21.intoArray(dw, w2 + LANES);
        a30.intoArray(dw, w3);
        a31.intoArray(dw, w3 + LANES);
    }
}
