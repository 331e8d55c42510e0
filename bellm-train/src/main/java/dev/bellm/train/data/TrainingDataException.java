package dev.bellm.train.data;

/**
 * Training data that cannot be used: a malformed row, bytes that are not UTF-8, a label out of range, or a set the
 * objective cannot learn from. The message starts with the file and the 1-based line ({@code FILE:LINE: ...}) when the
 * data came from a file.
 */
public final class TrainingDataException extends IllegalArgumentException {
    public TrainingDataException(String message) {
        super(message);
    }

    public TrainingDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
