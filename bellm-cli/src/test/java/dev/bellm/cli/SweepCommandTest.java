package dev.bellm.cli;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.eval.ProgressListener;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bellm sweep on the 4-layer fixture model, scored on STS-B dev, with tiny budgets. */
@SharedData
class SweepCommandTest {
    private static final String MODEL = Fixtures.path("tiny-llama").toString();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    private static SweepCommand parse(String... args) {
        SweepCommand c = new SweepCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    /** Field {@code index} of the first sweep.csv row whose line starts with {@code prefix}. */
    private static String field(List<String> csv, String prefix, int index) {
        return csv.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(prefix + " in " + csv))
                .split(",")[index];
    }

    @Test
    void frozenSweepScoresStsBDevAndWritesTablesAndPlots(@TempDir Path dir) throws Exception {
        assertEquals(0, parse("--model", MODEL, "--output", dir.toString(), "--layers", "0", "--poolings", "last", "--threads", "2").call());

        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals(1 + 4 + 1, csv.size(), "header, probe depths 1..4, k = 0");
        Embedder causalLast = Embedder.builder().model(Path.of(MODEL)).pooling(Pooling.LAST).maxTokens(128)
                .truncation(Embedder.Truncation.KEEP_START).threads(2).build();
        double stsbDev = new StsEvaluator(DataDirectory.root().resolve("data"),
                new StsOptions(List.of(StsTask.STSB), "dev", false, StsOptions.DEFAULT_CHUNK_SIZE))
                .evaluate(s -> causalLast.embed(s).vectors(), MODEL, Map.of(), ProgressListener.NONE).avg();
        assertEquals(stsbDev, Double.parseDouble(field(csv, "bidirectional,4,0,4,last,false,", 7)), 1e-9);
        assertEquals(field(csv, "bidirectional,4,0,4,last,false,", 7), field(csv, "truncated,4,0,4,last,false,", 7),
                "the probe at full depth is the causal model");

        for (String png : List.of("sweep-k.png", "sweep-depth.png")) {
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(dir.resolve(png)), 4), png);
        }
        assertTrue(Files.readString(dir.resolve("sweep.md")).contains("## Turning points"));
        JsonNode settings = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile()).get("settings");
        assertEquals("mean Spearman x100 of cosine similarity on stsb (dev)", settings.get("evaluation").asText());
        assertTrue(settings.get("training").isNull(), "frozen only: no training settings recorded");
    }

    @Test
    void unknownOptionsConfigureTheTraining(@TempDir Path dir) throws Exception {
        assertEquals(0, parse("--model", MODEL, "--output", dir.toString(), "--trained", "--train", "snli-dev", "--layers", "1",
                "--poolings", "mean", "--no-probe", "--max-steps", "1", "--batch-size=4", "--lora-r", "4", "--threads", "2").call());

        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals(List.of("kind,layers,k,bidirectional_from,pooling,trained,steps,score,seconds"), csv.subList(0, 1));
        assertEquals(3, csv.size(), "k = 1, mean: frozen and trained");
        assertEquals("1", field(csv, "bidirectional,4,1,3,mean,true,", 6), "one step trained");
        JsonNode training = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile()).get("settings").get("training");
        assertEquals("snli-dev", training.get("data").asText());
        assertEquals(1, training.get("options").get("max_steps").asInt());
        assertEquals(4, training.get("options").get("batch_size").asInt());
        assertEquals(4, training.get("options").get("lora_r").asInt());
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(dir.resolve("runs/k1-mean/loss.png")), 4));
    }

    @Test
    void conflictingOrUnknownFlagsAreRefusedBeforeAnyWork(@TempDir Path dir) {
        String out = dir.resolve("out").toString();
        Map<String, List<String>> cases = Map.of(
                "either --trained or --frozen-only", List.of("--trained", "--frozen-only", "--train", "snli"),
                "--trained needs training data", List.of("--trained"),
                "--pooling is set by the sweep", List.of("--pooling", "mean"),
                "--resume is set by the sweep", List.of("--resume"),
                "--bogus", List.of("--bogus", "3"),
                "--layers takes numbers", List.of("--layers", "0,x"),
                "runs backwards", List.of("--layers", "3-1"));
        cases.forEach((message, flags) -> {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--model", MODEL, "--output", out), flags.stream())
                    .toArray(String[]::new);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(args).call(), message);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        });
        assertTrue(Files.notExists(dir.resolve("out")), "nothing written");
    }

    @Test
    void layersTakeListsAndRanges() {
        assertEquals(List.of(0, 1, 2, 4), SweepCommand.parseLayers("0-2, 4"));
        assertEquals(null, SweepCommand.parseLayers(null));
    }
}
