package dev.bellm.embed;

/**
 * A model produced a NaN or an infinity in an embedding: the weights (or an adapter) are broken, and the vector is
 * garbage that must never be written as a result. The message names the model, the text and the dimension.
 */
public final class NonFiniteEmbeddingException extends IllegalStateException {
    private NonFiniteEmbeddingException(String message) {
        super(message);
    }

    /**
     * Checks that every value of {@code vectors} is finite.
     *
     * @param model      the model, as the error names it
     * @param firstIndex the index of {@code vectors[0]} among the caller's texts, for the message
     */
    public static void requireFinite(float[][] vectors, Object model, int firstIndex) {
        for (int i = 0; i < vectors.length; i++) {
            float[] v = vectors[i];
            for (int d = 0; d < v.length; d++) {
                if (!Float.isFinite(v[d])) {
                    throw new NonFiniteEmbeddingException("model " + model + " produced " + v[d] + " in dimension " + d
                            + " of the embedding of text " + (firstIndex + i) + "; its weights or adapter are broken"
                            + " (an overflowing LoRA scale, corrupt tensors?), so no embedding is written");
                }
            }
        }
    }
}
