package dev.bellm.eval;

import java.nio.file.Path;

/** A data set file that is missing or cannot be parsed; the message names the file (and line) and what to do. */
public class DatasetException extends IllegalArgumentException {
    public DatasetException(Path file, String message) {
        super(file + ": " + message);
    }

    public DatasetException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }

    /** {@code line} is 1-based, as an editor shows it. */
    public DatasetException(Path file, int line, String message) {
        super(file + ":" + line + ": " + message);
    }
}
