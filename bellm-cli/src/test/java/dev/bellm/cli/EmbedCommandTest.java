package dev.bellm.cli;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm embed} on each fixture model, from raw text (so through the tokenizer), against the float64 oracle. */
@SharedData
class EmbedCommandTest {
    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> embedReproducesTheFixtures() throws Exception {
        JsonNode cases = Fixtures.cases();
        Path input = dir.resolve("texts.txt");
        List<String> texts = new ArrayList<>();
        cases.get("texts").forEach(t -> texts.add(t.asText()));
        Files.write(input, texts);
        List<DynamicTest> tests = new ArrayList<>();
        cases.get("models").fields().forEachRemaining(model -> {
            for (JsonNode setting : model.getValue().get("settings")) {
                String name = model.getKey() + "/" + setting.get("name").asText();
                tests.add(DynamicTest.dynamicTest(name, () -> check(model.getKey(), model.getValue(), setting, input, texts.size())));
            }
        });
        return tests;
    }

    private void check(String model, JsonNode modelNode, JsonNode setting, Path input, int count) throws Exception {
        List<String> args = new ArrayList<>(List.of("embed", "--model", Fixtures.path(model).toString(), "--input", input.toString(),
                "--output", dir.resolve("out.jsonl").toString(), "--pooling", setting.get("pooling").asText(), "--batch-size", "3"));
        if (setting.hasNonNull("bidirectional_from")) args.addAll(List.of("--bidirectional-from", setting.get("bidirectional_from").asText()));
        if (setting.get("input").asText().equals("prompt")) args.addAll(List.of("--prompt", Fixtures.cases().get("prompt").asText()));
        if (setting.hasNonNull("adapter")) args.addAll(List.of("--adapter", Fixtures.path(setting.get("adapter").asText()).toString()));
        CliTestSupport.Run run = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = Files.readAllLines(dir.resolve("out.jsonl"));
        assertEquals(count, lines.size());
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path(modelNode.get("expected").asText()));
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < count; i++) {
            JsonNode row = json.readTree(lines.get(i));
            assertEquals(i, row.get("index").asInt());
            assertEquals(Fixtures.ids(setting.get("input").asText(), i).length, row.get("tokens").asInt());
            float[] v = new float[row.get("embedding").size()];
            for (int k = 0; k < v.length; k++) v[k] = (float) row.get("embedding").get(k).asDouble();
            double err = Fixtures.relativeError(v, expected.doubles(setting.get("name").asText() + "." + i));
            assertTrue(err < 1e-4, "text " + i + ": relative error " + err);
        }
    }

    @Test
    void tooLongInputIsAnErrorUnlessTruncationIsAsked() throws Exception {
        Path input = dir.resolve("long.txt");
        Files.writeString(input, "a man is playing a guitar and a woman is slicing an onion\n");
        String model = Fixtures.path("tiny-llama").toString();
        CliTestSupport.Run refused = CliTestSupport.run("embed", "--model", model, "--max-tokens", "5", "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("more than the limit of 5"), refused.err());
        assertFalse(Files.exists(dir.resolve("o.jsonl")), "no partial output");
        CliTestSupport.Run cut = CliTestSupport.run("embed", "--model", model, "--max-tokens", "5", "--truncate", "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(0, cut.exitCode(), cut.err());
        assertTrue(Files.readString(dir.resolve("o.jsonl")).contains("\"tokens\":5"));
    }

    @Test
    void unknownArchitectureIsAClearErrorNamingTheFile() throws Exception {
        Path model = dir.resolve("gpt2");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        Files.writeString(dir.resolve("t.txt"), "hello\n");
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", model.toString(), "--input", dir.resolve("t.txt").toString(),
                "--output", "-");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("config.json") && run.err().contains("gpt2"), run.err());
    }
}
