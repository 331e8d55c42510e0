package dev.bellm.model;

/**
 * What the forward pass needs to know about a decoder, read from {@code config.json} (or a llama2.c header).
 *
 * @param architecture      {@code model_type}: llama, mistral, qwen2, qwen3, or llama2c
 * @param headDim           per-head width; qwen3 sets it explicitly, others use hidden / heads
 * @param ropeScaling       null for plain RoPE
 * @param ropeInterleaved   RoPE rotates adjacent pairs (llama2.c/Meta layout) instead of HF's rotate_half halves
 * @param attentionBias     q/k/v projections have biases (qwen2)
 * @param qkNorm            per-head RMSNorm of q and k before RoPE (qwen3)
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean ropeInterleaved,
        double rmsNormEps,
        boolean attentionBias,
        boolean qkNorm,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId) {

    public ModelConfig {
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("num_key_value_heads", numKvHeads);
        requirePositive("head_dim", headDim);
        requirePositive("vocab_size", vocabSize);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                    + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for RoPE");
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive, got " + rmsNormEps + " and " + ropeTheta);
        }
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be positive, got " + value);
    }

    /** The family {@link #architecture} names (null for a name bellm does not know). */
    public ModelFamily family() {
        return ModelFamily.of(architecture);
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }
}
