package dev.bellm.model;

/**
 * The element-wise and per-row operations of the decoder, each with its forward and its backward written
 * by hand (llm.c style). Arrays are row-major; shapes are given at the top of each pair. Backward passes
 * accumulate ({@code +=}) into input gradients, so several paths into one tensor simply add up.
 */
public final class Ops {
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
     */
    public static void swigluForward(float[] gate, float[] up, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            float g = gate[i];
            out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** SwiGLU backward. Shapes as forward. {@code dup += dout·silu(g)}, {@code dgate += dout·up·σ(g)·(1 + g·(1 − σ(g)))}. */
    public static void swigluBackward(float[] dout, float[] gate, float[] up, float[] dgate, float[] dup, int from, int to) {
        for (int i = from; i < to; i++) {
            float g = gate[i];
            float sig = 1f / (1f + (float) Math.exp(-g));
            dup[i] += dout[i] * g * sig;
            dgate[i] += dout[i] * up[i] * sig * (1f + g * (1f - sig));
        }
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
     */
    public static void weightGradient(float[] dy, float[] x, int m, int n, int k, float scale, float[] dw) {
        for (int t = 0; t < m; t++) {
            for (int j = 0; j < n; j++) {
                float g = scale * dy[t * n + j];
                if (g == 0f) continue;
                int wo = j * k, xo = t * k;
                for (int c = 0; c < k; c++) dw[wo + c] += g * x[xo + c];
            }
        }
    }
}
