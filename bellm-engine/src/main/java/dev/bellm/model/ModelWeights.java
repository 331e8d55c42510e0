package dev.bellm.model;

import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.util.List;

/**
 * A whole decoder: {@code model.embed_tokens}, {@code model.layers}, {@code model.norm}, {@code lm_head}
 * (the same matrix as the embeddings when tied).
 */
public record ModelWeights(ModelConfig config, Matrix embedTokens, List<LayerWeights> layers, float[] norm, Matrix lmHead) {
    public ModelWeights {
        if (layers.size() != config.numLayers()) {
            throw new IllegalArgumentException(layers.size() + " layers for num_hidden_layers " + config.numLayers());
        }
        layers = List.copyOf(layers);
    }

    public ModelWeights withLayers(List<LayerWeights> newLayers) {
        return new ModelWeights(config, embedTokens, newLayers, norm, lmHead);
    }

    /** The dtype most weights are stored in (that of the embeddings). */
    public DType dtype() {
        return embedTokens.dtype;
    }

    /** Parameters of the base model, counting a tied lm_head once. */
    public long parameterCount() {
        long n = embedTokens.parameterCount() + norm.length;
        if (lmHead != embedTokens) n += lmHead.parameterCount();
        for (LayerWeights l : layers) {
            n += l.inputLayernorm().length + l.postAttentionLayernorm().length;
            if (l.qNorm() != null) n += l.qNorm().length + l.kNorm().length;
            for (String p : LayerWeights.PROJECTIONS) {
                Linear lin = l.projection(p);
                n += lin.weight().parameterCount() + (lin.bias() == null ? 0 : lin.bias().length);
            }
        }
        return n;
    }
}
