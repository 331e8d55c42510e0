package dev.bellm.embed.stream;

/** A line of the input that cannot be read as a record; the message names the input, the line and the field. */
public final class InputFormatException extends IllegalArgumentException {
    private final long line;

    public InputFormatException(String source, long line, String problem) {
        super(source + " line " + line + ": " + problem);
        this.line = line;
    }

    public long line() {
        return line;
    }
}
