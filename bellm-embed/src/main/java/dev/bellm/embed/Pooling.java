package dev.bellm.embed;

import dev.bellm.model.Batch;

import java.util.Locale;

/**
 * How a sequence's final-norm hidden states [len, hidden] become one vector: the last token (the released
 * BeLLM model, Qwen3-Embedding, e5-mistral), the mean over all tokens including BOS (or all but a prompt's), or the
 * first token.
 */
public enum Pooling {
    LAST, MEAN, FIRST;

    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "'; use last, mean or first");
        }
    }

    /** Forward. Shapes: hidden [tokens, h] for the packed batch; returns [batch, h]. */
    public float[][] pool(float[] hidden, Batch batch, int h) {
        return pool(hidden, batch, h, null);
    }

    /**
     * Forward, a mean leaving out the first {@code skip[s]} tokens of sequence s (sentence-transformers'
     * {@code include_prompt: false}; null: none). Last and first token ignore {@code skip}, as there.
     */
    public float[][] pool(float[] hidden, Batch batch, int h, int[] skip) {
        float[][] out = new float[batch.size()][h];
        for (int s = 0; s < batch.size(); s++) {
            int t0 = batch.offsets()[s], len = batch.length(s);
            if (this == MEAN && skip != null) {
                if (skip[s] < 0 || skip[s] >= len) {
                    throw new IllegalArgumentException("sequence " + s + " of " + len + " tokens cannot leave out its first " + skip[s]);
                }
                t0 += skip[s];
                len -= skip[s];
            }
            switch (this) {
                case LAST -> System.arraycopy(hidden, (t0 + len - 1) * h, out[s], 0, h);
                case FIRST -> System.arraycopy(hidden, t0 * h, out[s], 0, h);
                case MEAN -> {
                    double[] sum = new double[h];
                    for (int t = t0; t < t0 + len; t++) for (int i = 0; i < h; i++) sum[i] += hidden[t * h + i];
                    for (int i = 0; i < h; i++) out[s][i] = (float) (sum[i] / len);
                }
            }
        }
        return out;
    }

    /** Backward. Shapes: dPooled [batch, h]; accumulates into dHidden [tokens, h]. MEAN spreads 1/len to every token. */
    public void backward(float[][] dPooled, Batch batch, int h, float[] dHidden) {
        for (int s = 0; s < batch.size(); s++) {
            int t0 = batch.offsets()[s], len = batch.length(s);
            switch (this) {
                case LAST -> add(dPooled[s], 1f, dHidden, (t0 + len - 1) * h);
                case FIRST -> add(dPooled[s], 1f, dHidden, t0 * h);
                case MEAN -> {
                    for (int t = t0; t < t0 + len; t++) add(dPooled[s], 1f / len, dHidden, t * h);
                }
            }
        }
    }

    private static void add(float[] src, float scale, float[] dst, int off) {
        for (int i = 0; i < src.length; i++) dst[off + i] += scale * src[i];
    }

    /** L2 normalisation forward, in place: {@code v / ‖v‖}. Returns ‖v‖ (needed by the backward). */
    public static float normalize(float[] v) {
        double ss = 0;
        for (float x : v) ss += x * x;
        float norm = (float) Math.sqrt(ss);
        if (norm > 0) for (int i = 0; i < v.length; i++) v[i] /= norm;
        return norm;
    }

    /** L2 normalisation backward: with u = v/‖v‖, {@code dv = (du − u·(u·du)) / ‖v‖}. */
    public static float[] normalizeBackward(float[] u, float norm, float[] du) {
        double dot = 0;
        for (int i = 0; i < u.length; i++) dot += u[i] * du[i];
        float[] dv = new float[u.length];
        for (int i = 0; i < u.length; i++) dv[i] = (float) ((du[i] - u[i] * dot) / norm);
        return dv;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
