package dev.bellm.model;

import java.util.Arrays;
import java.util.List;

/**
 * The decoder families bellm runs, each described in one place: what {@code model_type} names it in
 * {@code config.json}, which projections carry biases, whether q and k get a per-head RMSNorm, and transformers'
 * default context when a config omits {@code max_position_embeddings}.
 */
public enum ModelFamily {
    /** LLaMA 1/2/3 (and LLM2Vec, EmbeddingGemma-style encoders built on it): biases as {@code attention_bias} says, on q/k/v and o. */
    LLAMA("llama", 2048),
    /** Mistral (e5-mistral): LLaMA semantics, never a bias; the sliding window only matters past 4096 tokens. */
    MISTRAL("mistral", 131072),
    /** Qwen2 (gte-Qwen2): q/k/v biases always, none on o. */
    QWEN2("qwen2", 32768),
    /** Qwen3 (Qwen3-Embedding): per-head RMSNorm of q and k before RoPE; biases as {@code attention_bias} says. */
    QWEN3("qwen3", 32768),
    /** A legacy llama2.c checkpoint: LLaMA without biases, RoPE on adjacent pairs. */
    LLAMA2C("llama2c", 0);

    /** The {@code model_type} of {@code config.json} ({@code llama2c} for llama2.c files). */
    public final String modelType;
    private final int defaultMaxPositions;

    ModelFamily(String modelType, int defaultMaxPositions) {
        this.modelType = modelType;
        this.defaultMaxPositions = defaultMaxPositions;
    }

    /** The families a Hugging Face {@code config.json} may name. */
    public static List<ModelFamily> huggingFace() {
        return Arrays.stream(values()).filter(f -> f != LLAMA2C).toList();
    }

    /** The family of a {@code model_type} (or {@link ModelConfig#architecture()}), or null for one bellm does not run. */
    public static ModelFamily of(String modelType) {
        for (ModelFamily f : values()) if (f.modelType.equals(modelType)) return f;
        return null;
    }

    /** Whether q, k and v have biases, given the config's {@code attention_bias}. */
    public boolean qkvBias(boolean attentionBias) {
        return switch (this) {
            case QWEN2 -> true;
            case MISTRAL, LLAMA2C -> false;
            case LLAMA, QWEN3 -> attentionBias;
        };
    }

    /** Whether o_proj has a bias, given that q/k/v have ({@code qkvBias}): Qwen2's never has. */
    public boolean outputBias(boolean qkvBias) {
        return qkvBias && this != QWEN2;
    }

    public boolean qkNorm() {
        return this == QWEN3;
    }

    /** transformers' default when a config omits {@code max_position_embeddings}. */
    public int defaultMaxPositions() {
        return defaultMaxPositions;
    }
}
