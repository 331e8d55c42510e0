package dev.bellm.embed.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads texts one line at a time, never the whole input: plain text (one text per line) or JSON Lines (one
 * object per line with a text field and optionally an id field). Input is strict UTF-8; a bad byte or a bad
 * line is an {@link InputFormatException} naming the input and line. Blank texts are returned as they are:
 * what to do with them is the caller's choice ({@link EmbeddingStream.EmptyTexts}).
 */
public final class TextRecordReader implements Closeable {
    /** How the lines are laid out. */
    public sealed interface Format permits Lines, JsonLines {}

    /** One text per line. */
    public record Lines() implements Format {}

    /** One JSON object per line; {@code idField} may be null (no ids). */
    public record JsonLines(String idField, String textField) implements Format {
        public JsonLines {
            Objects.requireNonNull(textField, "textField");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedReader in;
    private final String source;
    private final Format format;
    private long line;

    public TextRecordReader(InputStream in, String source, Format format) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.in = new BufferedReader(new InputStreamReader(in, decoder), 1 << 16);
        this.source = source;
        this.format = Objects.requireNonNull(format);
    }

    /** The next record, or null at the end of the input. */
    public TextRecord next() throws IOException {
        String text;
        try {
            text = in.readLine();
        } catch (CharacterCodingException e) {
            throw new InputFormatException(source, line + 1, "not valid UTF-8");
        }
        if (text == null) return null;
        line++;
        if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
        return switch (format) {
            case Lines l -> new TextRecord(line, null, text);
            case JsonLines j -> parse(text, j);
        };
    }

    /** Whether a next line can be read without waiting (for a pipe: bytes are already there). */
    public boolean ready() throws IOException {
        return in.ready();
    }

    private TextRecord parse(String text, JsonLines j) {
        if (text.isBlank()) return new TextRecord(line, null, "");
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InputFormatException(source, line, "not a JSON object: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw new InputFormatException(source, line, "not a JSON object");
        JsonNode t = node.get(j.textField());
        if (t == null || !t.isTextual()) throw new InputFormatException(source, line, "no text field \"" + j.textField() + "\" (a string)");
        String id = null;
        if (j.idField() != null) {
            JsonNode i = node.get(j.idField());
            if (i == null || !(i.isTextual() || i.isIntegralNumber())) {
                throw new InputFormatException(source, line, "no id field \"" + j.idField() + "\" (a string or an integer)");
            }
            id = i.asText();
        }
        return new TextRecord(line, id, t.asText());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
