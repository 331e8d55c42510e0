package dev.bellm.embed;

/** A text that gives no tokens at all (an empty string with a tokenizer that adds no special tokens). */
public final class EmptyTextException extends EncoderInputException {
    private final int index;

    public EmptyTextException(int index) {
        super("text " + index + " gives no tokens");
        this.index = index;
    }

    public int index() {
        return index;
    }
}
