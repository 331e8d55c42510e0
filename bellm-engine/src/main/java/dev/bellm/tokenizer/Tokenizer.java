package dev.bellm.tokenizer;

import dev.bellm.io.CheckpointException;

import java.nio.file.Path;

/** Text to token ids and back, with the model's BOS/EOS conventions applied by {@link #encode}. */
public interface Tokenizer {
    /** Token ids of {@code text}, with BOS (and EOS) added as the tokenizer's configuration says. */
    int[] encode(String text);

    /** Text of a sequence of ids; special tokens are dropped. */
    String decode(int[] ids);

    int vocabSize();

    /**
     * Checks that every id this tokenizer can produce (all are below {@link #vocabSize()}) indexes a row of the
     * model's embedding table, so a mismatched tokenizer fails at load time instead of inside the forward pass.
     *
     * @param modelVocabSize the model's {@code vocab_size}
     * @param where          the model file or directory, named in the error
     */
    default void checkFits(int modelVocabSize, Path where) {
        if (vocabSize() > modelVocabSize) {
            throw new CheckpointException(where, "tokenizer has " + vocabSize() + " tokens but the model's vocab_size is "
                    + modelVocabSize + "; use the tokenizer that was trained with this model");
        }
    }
}
