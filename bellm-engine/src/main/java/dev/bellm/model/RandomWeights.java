package dev.bellm.model;

import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A model of any shape with random weights (normal, std 0.02 like HF's initialisers; norms near 1), for
 * benchmarks and gradient checks where only the shapes matter.
 */
public final class RandomWeights {
    private RandomWeights() {}

    public static ModelWeights build(ModelConfig c, DType dtype, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int h = c.hiddenSize(), im = c.intermediateSize();
        Matrix embed = matrix("model.embed_tokens.weight", c.vocabSize(), h, dtype, rng, 1.0);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LayerWeights(norm(h, rng),
                    linear(p + "self_attn.q_proj.weight", c.qDim(), h, c.attentionBias(), dtype, rng),
                    linear(p + "self_attn.k_proj.weight", c.kvDim(), h, c.attentionBias(), dtype, rng),
                    linear(p + "self_attn.v_proj.weight", c.kvDim(), h, c.attentionBias(), dtype, rng),
                    linear(p + "self_attn.o_proj.weight", h, c.qDim(), false, dtype, rng),
                    c.qkNorm() ? norm(c.headDim(), rng) : null, c.qkNorm() ? norm(c.headDim(), rng) : null,
                    norm(h, rng),
                    linear(p + "mlp.gate_proj.weight", im, h, false, dtype, rng),
                    linear(p + "mlp.up_proj.weight", im, h, false, dtype, rng),
                    linear(p + "mlp.down_proj.weight", h, im, false, dtype, rng)));
        }
        Matrix head = c.tieWordEmbeddings() ? embed : matrix("lm_head.weight", c.vocabSize(), h, dtype, rng, 0.02);
        return new ModelWeights(c, embed, layers, norm(h, rng), head);
    }

    private static Linear linear(String name, int out, int in, boolean bias, DType dtype, SplittableRandom rng) {
        float[] b = null;
        if (bias) {
            b = new float[out];
            for (int i = 0; i < out; i++) b[i] = (float) (rng.nextGaussian() * 0.02);
        }
        return new Linear(matrix(name, out, in, dtype, rng, 0.02), b, null);
    }

    private static Matrix matrix(String name, int rows, int cols, DType dtype, SplittableRandom rng, double std) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * std);
        return Matrix.of(name, dtype, rows, cols, v);
    }

    private static float[] norm(int n, SplittableRandom rng) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (1 + 0.1 * rng.nextGaussian());
        return w;
    }
}
