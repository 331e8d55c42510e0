package dev.bellm.tokenizer.hf;

import dev.bellm.io.CheckpointException;


/** A {@code tokenizer.json} model: one pre-tokenized word to token ids, and the vocabulary both ways. */
interface Model {
    /** Appends the ids of {@code word} (non-empty) to {@code out}. */
    void tokenize(String word, IntList out);

    /** The token with this id, or null. */
    String tokenOf(int id);

    /** The id of this token, or null. */
    Integer idOf(String token);

    default boolean hasToken(String token) {
        return idOf(token) != null;
    }

    /** The largest id of the vocabulary, or -1 when it is empty. */
    int maxId();

    /** The number of entries of the vocabulary (the Rust library's {@code get_vocab_size}, which numbers added tokens). */
    int entries();

    static CheckpointException unknownWithoutUnk(Spec model, String word) {
        String shown = word.length() > 40 ? word.substring(0, 37) + "..." : word;
        return model.error("the text has '" + shown + "', which is not in model.vocab, and the model has no unk_token"
                + (model.has("byte_fallback") ? " and no byte fallback" : "") + " to stand for it");
    }

    static CheckpointException unkNotInVocab(Spec model, String unk) {
        return model.get("unk_token").error("unk_token '" + unk + "' is not in model.vocab, and the text needs it");
    }

}
