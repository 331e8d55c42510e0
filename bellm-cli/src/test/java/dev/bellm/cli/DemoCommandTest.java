package dev.bellm.cli;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's steps end to end on a fixture model with a tiny budget. */
@SharedData
class DemoCommandTest {
    @Test
    void demoEvaluatesTrainsAndReportsOnAFixtureModel(@TempDir Path dir) throws Exception {
        CliTestSupport.Run run = CliTestSupport.run("demo", "--model", Fixtures.path("tiny-llama").toString(), "--bidirectional-from", "2",
                "--steps", "2", "--batch-size", "4", "--tasks", "stsb", "--output", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        for (String row : new String[] {"| frozen causal |", "| BeLLM, frozen |", "| BeLLM + LoRA (AnglE) |", "cosine similarity, BeLLM + LoRA"}) {
            assertTrue(out.contains(row), "missing '" + row + "' in:\n" + out);
        }
        for (String file : new String[] {"report.md", "report.json", "before.json", "frozen-bellm.json", "after.json",
                "train/adapter/adapter_model.safetensors", "train/best/adapter_config.json", "train/loss.csv", "train/loss.png"}) {
            assertTrue(Files.exists(dir.resolve(file)), file);
        }
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(2, report.get("bidirectional_from").asInt());
        assertEquals(3, report.get("sts_avg").size());
        JsonNode after = new ObjectMapper().readTree(dir.resolve("after.json").toFile());
        assertEquals(1379, after.get("tasks").get("STSBenchmark").get("pairs").asInt());

        // the command the demo prints reproduces the trained encoder with no other flag; the oracle is built from the
        // adapter weights and the demo's settings alone, without reading any recipe file
        Path model = Fixtures.path("tiny-llama"), best = dir.resolve("train/best");
        String command = "./bellm embed --model " + model + " --adapter " + best + " --input FILE --output FILE";
        assertTrue(out.contains(command), "the demo prints '" + command + "':\n" + out);
        Path input = dir.resolve("texts.txt");
        List<String> texts = List.of("A man is playing a guitar.", "Someone is cutting vegetables.", "word ".repeat(150));
        Files.write(input, texts);
        CliTestSupport.Run embed = CliTestSupport.run("embed", "--model", model.toString(), "--adapter", best.toString(),
                "--input", input.toString(), "--output", dir.resolve("out.jsonl").toString());
        assertEquals(0, embed.exitCode(), embed.err());
        assertFalse(embed.err().contains("overrides"), "no override, no warning: " + embed.err());
        assertTrue(embed.err().contains("truncated 1 texts to 128 tokens"), "the recipe's token limit came along: " + embed.err());
        ModelWeights trained = PeftAdapter.load(best).apply(ModelLoader.load(model));
        try (Embedder oracle = Embedder.builder().model(trained, Tokenizers.forModel(model, null)).bidirectionalFrom(2).pooling(Pooling.MEAN)
                .maxTokens(128).truncation(Embedder.Truncation.KEEP_START).build()) {
            float[][] expected = oracle.embed(texts).vectors();
            List<String> lines = Files.readAllLines(dir.resolve("out.jsonl"));
            for (int i = 0; i < texts.size(); i++) {
                JsonNode e = new ObjectMapper().readTree(lines.get(i)).get("embedding");
                float[] v = new float[e.size()];
                for (int k = 0; k < v.length; k++) v[k] = e.get(k).floatValue();
                assertArrayEquals(expected[i], v, "text " + i + " bit for bit");
            }
        }
        CliTestSupport.Run other = CliTestSupport.run("embed", "--model", model.toString(), "--adapter", best.toString(), "--pooling", "last",
                "--input", input.toString(), "--output", dir.resolve("out.jsonl").toString());
        assertEquals(0, other.exitCode(), other.err());
        assertTrue(other.err().contains("pooling: last (command line) overrides mean (" + best + ")"), other.err());
    }
}
