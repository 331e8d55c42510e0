package dev.bellm.embed;

/** A text longer than the encoder's token limit, with truncation off (or a prompt that alone fills the limit). */
public final class TooManyTokensException extends EncoderInputException {
    private final int index;
    private final int tokens;
    private final int limit;

    public TooManyTokensException(int index, int tokens, int limit, String message) {
        super(message);
        this.index = index;
        this.tokens = tokens;
        this.limit = limit;
    }

    /** Position of the text in the request. */
    public int index() {
        return index;
    }

    public int tokens() {
        return tokens;
    }

    public int limit() {
        return limit;
    }
}
