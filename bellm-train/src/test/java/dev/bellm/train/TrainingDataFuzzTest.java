package dev.bellm.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bellm.train.data.Batches;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import dev.bellm.train.data.TrainingDataException;
import dev.bellm.train.loss.AngleObjective;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz target for the training JSON Lines reader and the checks the trainer makes before it starts: whatever
 * the bytes, the only exception that escapes is a {@link TrainingDataException} whose message starts with the file
 * (and line). Without {@code JAZZER_FUZZ} it replays {@code TrainingDataFuzzTestInputs/jsonLines/}.
 */
class TrainingDataFuzzTest {
    private static final Path FILE = scratchFile();

    private static Path scratchFile() {
        try {
            Path dir = Files.createTempDirectory("bellm-fuzz");
            Path file = dir.resolve("train.jsonl");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                file.toFile().delete();
                dir.toFile().delete();
            }));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void jsonLines(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        List<Example> examples;
        try {
            examples = TrainingData.read(FILE);
            for (AngleObjective o : List.of(AngleObjective.defaults(), AngleObjective.defaults().withWeights(1, 0, 1))) {
                try {
                    TrainingSetCheck.requireTrainable(examples, o);
                } catch (TrainingDataException refused) {
                    assertTrue(refused.getMessage().startsWith(FILE.toString()) || refused.getMessage().equals("no training examples"),
                            refused.getMessage());
                }
            }
        } catch (TrainingDataException e) {
            assertTrue(e.getMessage().startsWith(FILE + ":"), e.getMessage());
            return;
        }
        // what was read batches without losing or duplicating an example
        int batched = Batches.of(examples, 4, 7, 0).stream().mapToInt(List::size).sum();
        assertEquals(examples.size(), batched);
    }
}
