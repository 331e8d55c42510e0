package dev.bellm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvalResults sample(double stsbSpearman) {
        Map<String, CorrelationScores> subsets = new LinkedHashMap<>();
        subsets.put("MSRpar", new CorrelationScores(60.0, 61.0, 750));
        subsets.put("MSRvid", new CorrelationScores(80.0, 81.0, 750));
        Map<String, TaskResult> tasks = new LinkedHashMap<>();
        tasks.put("STS12", new StsResult(72.31, 70.0, 1500, "test", subsets, new CorrelationScores(70.0, 71.0, 1500)));
        tasks.put("STSBenchmark", new StsResult(stsbSpearman, 79.0, 1379, "test", Map.of(), null));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("prompt", "This sentence : \"{text}\" means in one word:\"");
        settings.put("bidirectional_from", 16);
        return new EvalResults("tiny-llama", settings, Map.of("similarity", "cosine"), tasks);
    }

    @Test
    void jsonHasTheAgreedShape(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out/results.json");
        ResultsJson.write(file, sample(80.51));
        JsonNode root = JSON.readTree(file.toFile());

        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("model", "settings", "protocol", "tasks", "avg"), fields);
        assertEquals("tiny-llama", root.get("model").asText());
        assertEquals(16, root.at("/settings/bidirectional_from").asInt());
        assertEquals("This sentence : \"{text}\" means in one word:\"", root.at("/settings/prompt").asText());
        assertEquals("cosine", root.at("/protocol/similarity").asText());

        JsonNode sts12 = root.at("/tasks/STS12");
        assertEquals(72.31, sts12.get("spearman").asDouble(), 0);
        assertEquals(70.0, sts12.get("pearson").asDouble(), 0);
        assertEquals(1500, sts12.get("pairs").asInt());
        assertEquals(60.0, sts12.at("/subsets/MSRpar/spearman").asDouble(), 0);
        assertEquals(750, sts12.at("/subsets/MSRvid/pairs").asInt());
        assertEquals(70.0, sts12.at("/wmean/spearman").asDouble(), 0);
        JsonNode stsb = root.at("/tasks/STSBenchmark");
        assertFalse(stsb.has("subsets"));
        assertFalse(stsb.has("wmean"));
        assertEquals((72.31 + 80.51) / 2, root.get("avg").asDouble(), 1e-12);
    }

    @Test
    void transferResultsCarryAccuracyAndSizes(@TempDir Path dir) throws IOException {
        var tasks = Map.<String, TaskResult>of("MR", new TransferResult(81.5, 82.25, Map.of("examples", 10662)));
        Path file = dir.resolve("transfer.json");
        ResultsJson.write(file, new EvalResults("m", Map.of(), Map.of(), tasks));
        JsonNode mr = JSON.readTree(file.toFile()).at("/tasks/MR");
        assertEquals(81.5, mr.get("accuracy").asDouble(), 0);
        assertEquals(82.25, mr.get("dev_accuracy").asDouble(), 0);
        assertEquals(10662, mr.at("/sizes/examples").asInt());
    }

    @Test
    void undefinedScoresAreWrittenAsNullNotNaN(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, sample(Double.NaN));
        String text = Files.readString(file);
        assertFalse(text.contains("NaN"), text);
        JsonNode root = JSON.readTree(text);
        assertTrue(root.at("/tasks/STSBenchmark/spearman").isNull());
        assertTrue(root.get("avg").isNull());
    }

    @Test
    void writingReplacesTheFileAndLeavesNoTemporaryBehind(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "old");
        ResultsJson.write(file, sample(80.51));
        assertEquals("tiny-llama", JSON.readTree(file.toFile()).get("model").asText());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void mtebFilesHoldCosineSpearmanOnZeroToOne(@TempDir Path dir) throws IOException {
        EvalResults results = sample(80.51);
        var withTransfer = new LinkedHashMap<>(results.tasks());
        withTransfer.put("MR", new TransferResult(80, 80, Map.of("examples", 10)));
        ResultsJson.writeMteb(dir, new EvalResults("m", Map.of(), Map.of(), withTransfer));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("STS12.json", "STSBenchmark.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        JsonNode sts12 = JSON.readTree(dir.resolve("STS12.json").toFile());
        assertEquals("STS12", sts12.get("task_name").asText());
        JsonNode score = sts12.at("/scores/test/0");
        assertEquals(0.7231, score.get("cosine_spearman").asDouble(), 1e-12);
        assertEquals(0.70, score.get("cosine_pearson").asDouble(), 1e-12);
        assertEquals(0.7231, score.get("main_score").asDouble(), 1e-12);
    }

    @Test
    void tableIsOneRowOfTasksWithTwoDecimalsThenTheAverage() {
        // avg = (72.31 + 80.51) / 2 = 76.41
        assertEquals("""
                Model       STS12  STS-B   Avg.
                tiny-llama  72.31  80.51  76.41
                """, ResultsTable.format(sample(80.51)));
    }

    @Test
    void tableUsesThePapersColumnNamesAndMarksUndefinedScores() {
        var tasks = new LinkedHashMap<String, TaskResult>();
        tasks.put("SST2", new TransferResult(85.0, 86.0, Map.of()));
        tasks.put("SICKRelatedness", new StsResult(Double.NaN, Double.NaN, 4927, "test", Map.of(), null));
        assertEquals("""
                Model  SST-2  SICK-R  Avg.
                m      85.00     n/a   n/a
                """, ResultsTable.format(new EvalResults("m", Map.of(), Map.of(), tasks)));
    }
}
