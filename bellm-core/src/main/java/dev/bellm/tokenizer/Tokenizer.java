package dev.bellm.tokenizer;

/** Text to token ids and back, with the model's BOS/EOS conventions applied by {@link #encode}. */
public interface Tokenizer {
    /** Token ids of {@code text}, with BOS (and EOS) added as the tokenizer's configuration says. */
    int[] encode(String text);

    /** Text of a sequence of ids; special tokens are dropped. */
    String decode(int[] ids);

    int vocabSize();
}
