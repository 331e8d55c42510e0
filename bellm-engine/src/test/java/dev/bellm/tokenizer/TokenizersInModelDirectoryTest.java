package dev.bellm.tokenizer;

import dev.bellm.SharedData;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Hugging Face model directory without tokenizer.json (a merged llama2.c model) carries a llama2.c tok*.bin. */
@SharedData
class TokenizersInModelDirectoryTest {
    private static final Path TOK512 = DataDirectory.resolve("models/stories260K/tok512.bin");
    private static final Path TINY_LLAMA = DataDirectory.resolve("fixtures/tiny-llama");

    @Test
    void aTokBinInsideTheDirectoryServesWhenThereIsNoTokenizerJson(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("tok512.bin"), Files.readAllBytes(TOK512));
        Tokenizer found = Tokenizers.forModel(dir, null);
        assertInstanceOf(Llama2cTokenizer.class, found);
        assertEquals(dir.resolve("tok512.bin"), Tokenizers.fileFor(dir));
        String text = "Once upon a time, there was a little girl named Lily.";
        assertArrayEquals(Llama2cTokenizer.load(TOK512).encode(text), found.encode(text));
    }

    @Test
    void tokenizerJsonWinsOverATokBin(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("tokenizer.json"), Files.readAllBytes(TINY_LLAMA.resolve("tokenizer.json")));
        Files.write(dir.resolve("tok512.bin"), Files.readAllBytes(TOK512));
        assertEquals(dir.resolve("tokenizer.json"), Tokenizers.fileFor(dir));
        try (HfTokenizer tokenizer = assertInstanceOf(HfTokenizer.class, Tokenizers.forModel(dir, null))) {
            assertEquals(1507, tokenizer.vocabSize());
        }
    }

    @Test
    void neitherIsAnErrorNamingBoth(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(dir, null));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()) && e.getMessage().contains("tok*.bin"),
                e.getMessage());
    }

    @Test
    void severalTokBinsAreListed(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("tok512.bin"));
        Files.createFile(dir.resolve("tok4096.bin"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(dir, null));
        assertTrue(e.getMessage().contains("several") && e.getMessage().contains("tok4096.bin, tok512.bin"), e.getMessage());
    }
}
