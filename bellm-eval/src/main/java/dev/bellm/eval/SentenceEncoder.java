package dev.bellm.eval;

import java.util.List;

/**
 * What the evaluation needs from a model: one embedding per sentence. The evaluation passes lists of
 * unique sentences, a chunk at a time; the encoder batches them as it likes.
 */
@FunctionalInterface
public interface SentenceEncoder {
    /** One vector per sentence, in order; every vector has the same length. */
    float[][] encode(List<String> sentences);
}
