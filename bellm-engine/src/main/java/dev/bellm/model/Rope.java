package dev.bellm.model;

/**
 * Rotary position embedding. Frequency j of a head of width d is {@code θ^(−2j/d)} (optionally rescaled
 * as Llama 3 does); HF checkpoints rotate the pair (j, j + d/2) ("rotate_half"), llama2.c checkpoints the
 * adjacent pair (2j, 2j + 1). The backward pass is the rotation by the opposite angle.
 */
final class Rope {
    private final int headDim;
    private final boolean interleaved;
    private final double[] invFreq;
    private volatile float[] cos = new float[0];
    private volatile float[] sin = new float[0];

    Rope(ModelConfig config) {
        this.headDim = config.headDim();
        this.interleaved = config.ropeInterleaved();
        int half = headDim / 2;
        invFreq = new double[half];
        for (int j = 0; j < half; j++) invFreq[j] = 1.0 / Math.pow(config.ropeTheta(), 2.0 * j / headDim);
        RopeScaling s = config.ropeScaling();
        if (s != null) {
            double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
            for (int j = 0; j < half; j++) {
                double wavelen = 2 * Math.PI / invFreq[j];
                if (wavelen > lowWavelen) {
                    invFreq[j] /= s.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    invFreq[j] = (1 - smooth) * invFreq[j] / s.factor() + smooth * invFreq[j];
                }
            }
        }
    }

    /** Makes the tables cover positions [0, positions). Call before a parallel section. */
    synchronized void ensure(int positions) {
        int half = headDim / 2;
        if (cos.length >= (long) positions * half) return;
        int n = (int) Math.min(Math.max(positions, 2L * cos.length / Math.max(1, half)), (Integer.MAX_VALUE - 8) / half);
        if (n < positions) {
            throw new IllegalArgumentException(positions + " positions × " + half + " frequencies do not fit a RoPE table");
        }
        float[] c = new float[n * half], s = new float[n * half];
        for (int p = 0; p < n; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * invFreq[j];
                c[p * half + j] = (float) Math.cos(angle);
                s[p * half + j] = (float) Math.sin(angle);
            }
        }
        sin = s;
        cos = c;
    }

    /** Rotates each head of row {@code row} (heads × headDim floats at x[row·width]) to position {@code pos}. */
    void rotate(float[] x, int row, int heads, int pos, boolean inverse) {
        int half = headDim / 2, width = heads * headDim;
        float[] c = cos, s = sin;
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int o = row * width + h * headDim;
            for (int j = 0; j < half; j++) {
                int i1 = interleaved ? o + 2 * j : o + j;
                int i2 = interleaved ? i1 + 1 : i1 + half;
                float cj = c[t + j], sj = inverse ? -s[t + j] : s[t + j];
                float a = x[i1], b = x[i2];
                x[i1] = a * cj - b * sj;
                x[i2] = b * cj + a * sj;
            }
        }
    }
}
