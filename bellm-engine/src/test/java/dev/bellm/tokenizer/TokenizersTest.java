package dev.bellm.tokenizer;

import dev.bellm.SharedData;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class TokenizersTest {
    private static final Path TINY_LLAMA = DataDirectory.resolve("fixtures/tiny-llama");
    private static final Path STORIES = DataDirectory.resolve("models/stories260K");

    @Test
    void huggingFaceDirectoryUsesItsTokenizerJson() {
        try (HfTokenizer tokenizer = assertInstanceOf(HfTokenizer.class, Tokenizers.forModel(TINY_LLAMA, null))) {
            assertEquals(1507, tokenizer.vocabSize());
        }
    }

    @Test
    void llama2cCheckpointUsesTheTokBinBesideIt() {
        Tokenizer tokenizer = Tokenizers.forModel(STORIES.resolve("stories260K.bin"), null);
        assertInstanceOf(Llama2cTokenizer.class, tokenizer);
        assertEquals(512, tokenizer.vocabSize());
    }

    @Test
    void overrideWins(@TempDir Path dir) throws IOException {
        Path model = Files.createFile(dir.resolve("model.bin")); // no tok*.bin beside it: only the override can serve
        Tokenizer tokenizer = Tokenizers.forModel(model, STORIES.resolve("tok512.bin"));
        assertInstanceOf(Llama2cTokenizer.class, tokenizer);
        assertEquals(512, tokenizer.vocabSize());
    }

    @Test
    void noTokenizerBesideALlama2cCheckpointIsAClearError(@TempDir Path dir) throws IOException {
        Path model = Files.createFile(dir.resolve("model.bin"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(model, null));
        assertTrue(e.getMessage().contains("no llama2.c tokenizer (tok*.bin)") && e.getMessage().contains(dir.toString()),
                e.getMessage());
    }

    @Test
    void severalTokenizersBesideALlama2cCheckpointAreListed(@TempDir Path dir) throws IOException {
        Path model = Files.createFile(dir.resolve("model.bin"));
        Files.createFile(dir.resolve("tok512.bin"));
        Files.createFile(dir.resolve("tok4096.bin"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(model, null));
        assertTrue(e.getMessage().contains("several") && e.getMessage().contains("tok4096.bin, tok512.bin"), e.getMessage());
    }

    @Test
    void somethingElseIsAClearError(@TempDir Path dir) throws IOException {
        Path notAModel = Files.createFile(dir.resolve("weights.gguf"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(notAModel, null));
        assertTrue(e.getMessage().contains("neither a Hugging Face model directory nor a llama2.c .bin"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Tokenizers.forModel(dir.resolve("missing"), null));
        assertTrue(e.getMessage().contains("no such model"), e.getMessage());
    }
}
