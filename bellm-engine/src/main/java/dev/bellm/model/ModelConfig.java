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

    /*
     * Sanity bounds, each far above any published decoder (Llama 3.1 405B: 126 layers, 128 heads, hidden 16384,
     * intermediate 53248; Gemma 3: vocabulary 262144, head_dim 256), checked before anything is sized by them: a
     * corrupt or hostile config fails here instead of allocating gigabytes or overflowing an int.
     */
    public static final int MAX_LAYERS = 1024;
    public static final int MAX_HEADS = 1024;
    public static final int MAX_HEAD_DIM = 1024;
    public static final int MAX_HIDDEN = 1 << 16;
    public static final int MAX_INTERMEDIATE = 1 << 19;
    public static final int MAX_VOCAB = 1 << 22;
    public static final int MAX_POSITIONS = 1 << 24;

    public ModelConfig {
        requireInRange("hidden_size", hiddenSize, MAX_HIDDEN);
        requireInRange("intermediate_size", intermediateSize, MAX_INTERMEDIATE);
        requireInRange("num_hidden_layers", numLayers, MAX_LAYERS);
        requireInRange("num_attention_heads", numHeads, MAX_HEADS);
        requireInRange("num_key_value_heads", numKvHeads, MAX_HEADS);
        requireInRange("head_dim", headDim, MAX_HEAD_DIM);
        requireInRange("vocab_size", vocabSize, MAX_VOCAB);
        requireInRange("max_position_embeddings", maxPositionEmbeddings, MAX_POSITIONS);
        long qWidth = (long) numHeads * headDim;
        if (qWidth > MAX_HIDDEN) {
            throw new IllegalArgumentException("num_attention_heads × head_dim (" + numHeads + " × " + headDim + " = " + qWidth
                    + ") is above the bound of " + MAX_HIDDEN);
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                    + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for RoPE");
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0) || !Double.isFinite(rmsNormEps) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive and finite, got " + rmsNormEps
                    + " and " + ropeTheta);
        }
    }

    private static void requireInRange(String field, int value, int max) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be positive, got " + value);
        if (value > max) {
            throw new IllegalArgumentException(field + " is " + value + ", above the sanity bound of " + max
                    + " (far beyond any published model: a corrupt config?)");
        }
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }
}
