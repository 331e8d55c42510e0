package dev.bellm.generate;

import dev.bellm.SharedData;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The language-model path against llama2.c's documented greedy sample of the real stories260K model. */
@SharedData
class GeneratorTest {
    @Test
    void stories260KGreedyFromBosMatchesLlama2c() throws Exception {
        Path bin = DataDirectory.resolve("models/stories260K/stories260K.bin");
        String expected = Files.readString(DataDirectory.resolve("models/stories260K/greedy256_from_BOS.txt"));
        Transformer t = new Transformer(ModelLoader.load(bin), new VectorKernels(2));
        Tokenizer tok = Tokenizers.forModel(bin, null);
        int[] tokens = new Generator(t).generate(new int[] {1}, 256, 0, 0, next -> {});
        assertEquals(expected, tok.decode(tokens) + "\n");
    }
}
