package dev.bellm.cli;

import dev.bellm.Fixtures;
import dev.bellm.SharedData;
import dev.bellm.Zoo;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bellm quantize` of an encoder folder gives an encoder folder: the same recipe, int8 weights, nearly the same vectors. */
@SharedData
class QuantizeCommandTest {
    @Test
    void anEncoderFolderQuantizesIntoOneWithTheSameRecipe(@TempDir Path tmp) throws Exception {
        Path source = Zoo.path("st-dense"), out = tmp.resolve("q8");
        CliTestSupport.Run run = CliTestSupport.run("quantize", "--model", source.toString(), "--output", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"));
        assertTrue(f.names().stream().anyMatch(n -> n.endsWith("_scale")), "some matrix was quantized: " + f.names());
        List<String> texts = List.of("A man is playing a guitar.", "A woman slices an onion.", "Who plays the guitar?");
        try (Embedder original = Embedder.load(source); Embedder quantized = Embedder.load(out)) {
            assertEquals(withoutPaths(original.spec()), withoutPaths(quantized.spec()));
            assertEquals(shapes(original.spec()), shapes(quantized.spec()), "the dense heads came along");
            float[][] a = original.embed(texts).vectors(), b = quantized.embed(texts).vectors();
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(a[i].length, b[i].length);
                double cos = Fixtures.cosine(a[i], b[i]);
                assertTrue(cos > 0.99 && cos < 1 - 1e-9, texts.get(i) + ": cosine " + cos + " (int8 weights: close, not equal)");
            }
        }
    }

    private static EncoderSpec withoutPaths(EncoderSpec s) {
        return new EncoderSpec(null, null, s.adapters(), s.attention(), s.pooling(), s.includePrompt(), s.prompts(),
                s.defaultPromptName(), s.normalize(), s.dimensions(), List.of(), s.maxTokens(), s.truncation());
    }

    private static List<String> shapes(EncoderSpec s) {
        return s.dense().stream().map(d -> d.in() + "x" + d.out() + " " + d.activation()).toList();
    }
}
