package dev.bellm.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Lines of UTF-8 text, decoded strictly: a byte sequence that is not UTF-8 is an error naming the source, the 1-based
 * line and the byte, never a U+FFFD silently put in its place (which would then be embedded or trained on as if it
 * were the user's text). Lines end at {@code \n} or {@code \r\n}; the last line needs no terminator.
 */
public final class TextLines {
    private TextLines() {}

    /** The lines of {@code file}; a missing file or bad UTF-8 is an {@link IllegalArgumentException} naming it. */
    public static List<String> read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The lines of {@code in} (not closed), {@code source} naming it in errors ("standard input", a file). */
    public static List<String> read(InputStream in, String source) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        InputStream buffered = new BufferedInputStream(in, 1 << 16);
        boolean pending = false;
        for (int b; (b = buffered.read()) != -1; ) {
            if (b == '\n') {
                lines.add(decode(utf8, line, source, lines.size() + 1));
                line.reset();
                pending = false;
            } else {
                line.write(b);
                pending = true;
            }
        }
        if (pending) lines.add(decode(utf8, line, source, lines.size() + 1));
        return lines;
    }

    private static String decode(CharsetDecoder utf8, ByteArrayOutputStream line, String source, int lineNumber) {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length); // UTF-8 never gives more chars than bytes
        CoderResult result = utf8.reset().decode(in, out, true);
        if (!result.isError()) result = utf8.flush(out);
        if (result.isError()) {
            // the decoder stops at the start of the malformed sequence
            throw new IllegalArgumentException(source + ":" + lineNumber + ": not valid UTF-8 (byte "
                    + String.format("0x%02X", bytes[in.position()] & 0xFF) + " at byte column " + (in.position() + 1)
                    + "); save the text as UTF-8");
        }
        return out.flip().toString();
    }
}
