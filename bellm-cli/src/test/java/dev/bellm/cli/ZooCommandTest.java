package dev.bellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Zoo;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The published-model zoo through the pinned command line, {@code bellm embed --model DIR [--adapter DIR]...
 * [--prompt-name NAME] [--dimensions N]}, with no other flag: the folders' own recipes must give the expected vectors.
 */
class ZooCommandTest {
    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> everyZooCaseThroughThePinnedCommand() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Zoo.models()) tests.add(DynamicTest.dynamicTest(model, () -> check(model)));
        return tests;
    }

    private void check(String model) throws Exception {
        JsonNode m = Zoo.model(model);
        SafetensorsFile expected = SafetensorsFile.open(Zoo.path(m.get("expected").asText()));
        // one run per (prompt name, dimensions): the cases of that request, in order
        Map<List<Object>, List<JsonNode>> runs = new LinkedHashMap<>();
        for (JsonNode c : m.get("cases")) {
            runs.computeIfAbsent(java.util.Arrays.asList(text(c, "prompt_name"), text(c, "dimensions")), k -> new ArrayList<>()).add(c);
        }
        ObjectMapper json = new ObjectMapper();
        for (var run : runs.entrySet()) {
            Path input = dir.resolve(model + ".txt"), output = dir.resolve(model + ".jsonl");
            List<String> lines = new ArrayList<>();
            for (JsonNode c : run.getValue()) lines.add(Zoo.texts().get(c.get("text_index").asInt()));
            Files.write(input, lines);
            // the fixtures' 1e-4 needs float32 arithmetic: the Java kernels, not a bf16 GEMM provider the machine may prefer
            List<String> args = new ArrayList<>(List.of("embed", "--kernels", "java", "--model", Zoo.path(model).toString()));
            for (Path adapter : Zoo.adapters(model)) args.addAll(List.of("--adapter", adapter.toString()));
            if (run.getKey().get(0) != null) args.addAll(List.of("--prompt-name", (String) run.getKey().get(0)));
            if (run.getKey().get(1) != null) args.addAll(List.of("--dimensions", (String) run.getKey().get(1)));
            args.addAll(List.of("--input", input.toString(), "--output", output.toString()));
            CliTestSupport.Run r = CliTestSupport.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.err());
            assertFalse(r.err().contains("overrides"), "no flag overrides the recipe: " + r.err());
            List<String> out = Files.readAllLines(output);
            assertEquals(run.getValue().size(), out.size());
            for (int i = 0; i < out.size(); i++) {
                JsonNode c = run.getValue().get(i), row = json.readTree(out.get(i));
                assertEquals(c.get("ids").size(), row.get("tokens").asInt(), model + " " + c.get("key"));
                float[] v = new float[row.get("embedding").size()];
                for (int k = 0; k < v.length; k++) v[k] = (float) row.get("embedding").get(k).asDouble();
                double err = Zoo.error(v, expected.doubles(c.get("key").asText()));
                assertTrue(err <= Zoo.TOLERANCE, model + " " + c.get("key") + ": error " + err);
            }
        }
    }

    private static String text(JsonNode c, String field) {
        return c.get(field).isNull() ? null : c.get(field).asText();
    }

    @Test
    void dimensionsBeyondTheModelsAreAnErrorAndWithinAreUnitVectors() throws Exception {
        Path input = dir.resolve("t.txt");
        Files.writeString(input, "A man is playing a guitar.\n");
        String model = Zoo.path("qwen3-embedding").toString();
        CliTestSupport.Run tooMany = CliTestSupport.run("embed", "--model", model, "--dimensions", "17", "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, tooMany.exitCode());
        assertTrue(tooMany.err().contains("dimensions 17") && tooMany.err().contains("16"), tooMany.err());
        assertFalse(Files.exists(dir.resolve("o.jsonl")));
        CliTestSupport.Run zero = CliTestSupport.run("embed", "--model", model, "--dimensions", "0", "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, zero.exitCode(), zero.err());
        CliTestSupport.Run four = CliTestSupport.run("embed", "--model", model, "--dimensions", "4", "--input", input.toString(),
                "--output", dir.resolve("o.jsonl").toString());
        assertEquals(0, four.exitCode(), four.err());
        JsonNode e = new ObjectMapper().readTree(Files.readString(dir.resolve("o.jsonl"))).get("embedding");
        assertEquals(4, e.size());
        double n = 0;
        for (JsonNode x : e) n += x.asDouble() * x.asDouble();
        assertEquals(1.0, Math.sqrt(n), 1e-5);
    }

    @Test
    void aFlagOverridingTheRecipeSaysSoNamingBothValues() throws Exception {
        Path input = dir.resolve("t.txt");
        Files.writeString(input, "A man is playing a guitar.\n");
        CliTestSupport.Run r = CliTestSupport.run("embed", "--model", Zoo.path("llm2vec").toString(), "--pooling", "last",
                "--input", input.toString(), "--output", dir.resolve("o.jsonl").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("pooling: last (command line) overrides mean (" + Zoo.path("llm2vec")), r.err());
        CliTestSupport.Run same = CliTestSupport.run("embed", "--model", Zoo.path("llm2vec").toString(), "--pooling", "mean",
                "--input", input.toString(), "--output", dir.resolve("o.jsonl").toString());
        assertFalse(same.err().contains("overrides"), "a flag that agrees with the recipe is silent: " + same.err());
    }

    @Test
    void infoPrintsTheResolvedRecipe() throws Exception {
        List<String> args = new ArrayList<>(List.of("info", "--model", Zoo.path("llm2vec").toString()));
        for (Path adapter : Zoo.adapters("llm2vec")) args.addAll(List.of("--adapter", adapter.toString()));
        args.add("--json");
        CliTestSupport.Run r = CliTestSupport.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        JsonNode encoder = new ObjectMapper().readTree(r.out()).get("encoder");
        assertEquals("bidirectional", encoder.get("attention").asText());
        assertEquals(List.of(0, 1, 2), new ObjectMapper().convertValue(encoder.get("bidirectional_layers"), List.class));
        assertEquals("mean", encoder.get("pooling").asText());
        assertFalse(encoder.get("include_prompt").asBoolean());
        assertTrue(encoder.get("normalize").asBoolean());
        assertEquals(2, encoder.get("adapters").size());
        assertTrue(encoder.get("prompts").has("query"));
        CliTestSupport.Run text = CliTestSupport.run("info", "--model", Zoo.path("st-dense").toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("Dense(24 -> 96, bias, identity)") && text.out().contains("default_prompt_name  document"), text.out());
        assertTrue(Objects.requireNonNull(text.out()).contains("dimension            24"), text.out());
    }
}
