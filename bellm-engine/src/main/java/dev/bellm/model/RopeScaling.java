package dev.bellm.model;

/**
 * The config's {@code rope_scaling} of type {@code llama3} (Llama 3.1+): low frequencies are divided by
 * {@code factor}, high ones kept, and the band between blended smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    public RopeScaling {
        if (factor <= 0 || lowFreqFactor <= 0 || highFreqFactor <= lowFreqFactor || originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("rope_scaling (llama3): needs factor > 0, 0 < low_freq_factor < high_freq_factor,"
                    + " original_max_position_embeddings > 0; got " + this);
        }
    }
}
