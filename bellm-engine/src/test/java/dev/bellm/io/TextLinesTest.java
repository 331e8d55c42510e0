package dev.bellm.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextLinesTest {
    private static List<String> lines(byte[] bytes) throws IOException {
        return TextLines.read(new ByteArrayInputStream(bytes), "in");
    }

    @Test
    void splitsOnNewlinesAndCrLfAsReadLineDoes() throws IOException {
        assertEquals(List.of("a", "", "ü b", "c"), lines("a\n\r\nü b\r\nc".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("a"), lines("a\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(), lines(new byte[0]));
    }

    @Test
    void malformedUtf8NamesTheSourceLineAndByte() {
        byte[] latin1 = "ok\ncaf\u00e9 au lait\n".getBytes(StandardCharsets.ISO_8859_1);
        var e = assertThrows(IllegalArgumentException.class, () -> lines(latin1));
        assertEquals("in:2: not valid UTF-8 (byte 0xE9 at byte column 4); save the text as UTF-8", e.getMessage());
    }

    @Test
    void aTruncatedSequenceAndAnEncodedSurrogateAreMalformed() {
        var truncated = assertThrows(IllegalArgumentException.class, () -> lines(new byte[] {'a', (byte) 0xE2, (byte) 0x82}));
        assertEquals("in:1: not valid UTF-8 (byte 0xE2 at byte column 2); save the text as UTF-8", truncated.getMessage());
        // U+D800 encoded as three bytes (CESU-style) is not UTF-8
        assertThrows(IllegalArgumentException.class, () -> lines(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
    }
}
