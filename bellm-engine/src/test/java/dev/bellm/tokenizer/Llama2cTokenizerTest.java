package dev.bellm.tokenizer;

import dev.bellm.SharedData;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class Llama2cTokenizerTest {
    private static final Path STORIES = DataDirectory.resolve("models/stories260K");
    private static final Path TOK512 = STORIES.resolve("tok512.bin");
    private static Llama2cTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Llama2cTokenizer.load(TOK512);
    }

    @Test
    void vocabSizeIs512AsTheModelHeaderSays() throws IOException {
        // stories260K.bin header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (sign = tied), seq_len
        ByteBuffer header = ByteBuffer.wrap(Arrays.copyOf(Files.readAllBytes(STORIES.resolve("stories260K.bin")), 28))
                .order(ByteOrder.LITTLE_ENDIAN);
        int modelVocab = Math.abs(header.getInt(5 * Integer.BYTES));
        assertEquals(512, modelVocab);
        assertEquals(512, tokenizer.vocabSize());
        tokenizer.checkFits(modelVocab, STORIES.resolve("stories260K.bin"));
    }

    @Test
    void checkFitsRejectsAModelWithFewerRows() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> tokenizer.checkFits(256, STORIES));
        assertTrue(e.getMessage().contains("holds 512 tokens but the model"), e.getMessage());
    }

    @Test
    void onceUponATimeBecomesWholeWordPieces() {
        // tok512.bin holds " Once" at id 403, " upon" 407, " a" 261, " time" 378 (read off the file); each word is one
        // piece, reached by merging, after the dummy-prefix space joins the first word
        int[] ids = tokenizer.encode("Once upon a time");
        assertArrayEquals(new int[] {Llama2cTokenizer.BOS, 403, 407, 261, 378}, ids);
        // the pieces concatenate to the text with its dummy-prefix space; after BOS the space is dropped
        assertEquals(" Once upon a time", tokenizer.decode(Arrays.copyOfRange(ids, 1, ids.length)));
        assertEquals("Once upon a time", tokenizer.decode(ids));
    }

    @Test
    void equalScoresMergeTheLeftmostPairFirst() {
        // " alll": " a" (261) forms, then "ll" (306) could form at either of two places with the same score; run.c's scan
        // keeps the first best pair, leaving the last "l" (421) alone
        assertArrayEquals(new int[] {Llama2cTokenizer.BOS, 261, 306, 421}, tokenizer.encode("alll"));
    }

    @Test
    void emptyTextIsBosAlone() {
        assertArrayEquals(new int[] {Llama2cTokenizer.BOS}, tokenizer.encode(""));
        assertEquals("", tokenizer.decode(new int[] {Llama2cTokenizer.BOS}));
    }

    @Test
    void charactersOutsideTheVocabularyFallBackToBytes() {
        // read off tok512.bin: " c" 280, "a" 412, "f" 431, "é" 485, " " 410; "☕" (E2 98 95) is not a piece, so its three
        // UTF-8 bytes become byte tokens b + 3; no adjacent pair of these is a piece
        int[] ids = tokenizer.encode("café ☕");
        assertArrayEquals(new int[] {Llama2cTokenizer.BOS, 280, 412, 431, 485, 410, 0xE2 + 3, 0x98 + 3, 0x95 + 3}, ids);
        assertEquals("café ☕", tokenizer.decode(ids));
    }

    @Test
    void decodeRoundTripsAsciiTinyStories() throws IOException {
        List<String> lines = Files.readAllLines(DataDirectory.resolve("data/corpus/tinystories-head-Mini_GPT.txt")).stream()
                .filter(line -> !line.isBlank() && StandardCharsets.US_ASCII.newEncoder().canEncode(line))
                .toList();
        assertTrue(lines.size() > 1000, "expected the TinyStories sample to have over 1000 ASCII paragraphs, got " + lines.size());
        for (String line : lines) {
            int[] ids = tokenizer.encode(line);
            assertEquals(line, tokenizer.decode(ids));
            // ASCII text never needs the unknown token, and merging makes it shorter than one token per character
            assertFalse(Arrays.stream(ids).anyMatch(id -> id == 0), line);
            assertTrue(ids.length < line.length() + 2, line);
        }
    }

    @Test
    void decodeOfAnIncompleteCharacterIsStillValidText() {
        // only the first two bytes of "☕": the decoder must not produce broken UTF-16, it substitutes U+FFFD
        String text = tokenizer.decode(new int[] {Llama2cTokenizer.BOS, 280, 0xE2 + 3, 0x98 + 3});
        assertEquals("c\uFFFD", text);
    }

    @Test
    void decodeDropsEosAndKeepsTheLeadingSpaceWithoutBos() {
        assertEquals("Once", tokenizer.decode(new int[] {Llama2cTokenizer.BOS, 403, Llama2cTokenizer.EOS}));
        assertEquals(" Once upon", tokenizer.decode(new int[] {403, 407}));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {1, 512}));
        assertTrue(e.getMessage().contains("512") && e.getMessage().contains("tok512.bin"), e.getMessage());
    }

    @Test
    void encodeIsSafeFromManyThreadsAtOnce() throws Exception {
        ConcurrentEncoding.assertSameAsSequential(tokenizer,
                List.of("Once upon a time", "café ☕", "", "The cat sat on the mat.", "Lily's mom said, \"Lily, let's go.\""));
    }

    @Test
    void truncatedFileNamesTheFileAndTheToken(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(TOK512);
        Path truncated = dir.resolve("tok-truncated.bin");
        Files.write(truncated, Arrays.copyOf(whole, whole.length - 3)); // cuts the last piece short
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(truncated));
        assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("token 511"), e.getMessage());

        Files.write(truncated, Arrays.copyOf(whole, 2));
        e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void fileCutAtATokenBoundaryIsTooShort(@TempDir Path dir) throws IOException {
        Path headerOnly = dir.resolve("tok.bin");
        Files.write(headerOnly, Arrays.copyOf(Files.readAllBytes(TOK512), 4));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(headerOnly));
        assertTrue(e.getMessage().contains("has 0 tokens"), e.getMessage());
    }

    @Test
    void pieceLongerThanMaxTokenLengthIsCorrupt(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(TOK512);
        // token 0 starts at byte 4: score, then its length, which we make larger than max_token_length (7)
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1000);
        Path corrupt = dir.resolve("tok.bin");
        Files.write(corrupt, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(corrupt));
        assertTrue(e.getMessage().contains("token 0") && e.getMessage().contains("length 1000"), e.getMessage());
    }

    @Test
    void missingBytePiecesAreRefused(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(TOK512);
        // token 0 is "<unk>" (score, length 5, bytes at 12..16); token 3 must be "<0x00>": swap its "x" for "y"
        int token3Piece = 4 + (8 + 5) + (8 + "\n<s>\n".length()) + (8 + "\n</s>\n".length()) + 8;
        assertEquals('x', bytes[token3Piece + 2]);
        bytes[token3Piece + 2] = 'y';
        Path corrupt = dir.resolve("tok.bin");
        Files.write(corrupt, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(corrupt));
        assertTrue(e.getMessage().contains("token 3") && e.getMessage().contains("<0x00>"), e.getMessage());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Llama2cTokenizer.load(dir.resolve("tok.bin")));
        assertTrue(e.getMessage().contains(dir.resolve("tok.bin").toString()), e.getMessage());
    }
}
