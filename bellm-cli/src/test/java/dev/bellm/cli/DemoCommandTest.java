package dev.bellm.cli;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    }
}
