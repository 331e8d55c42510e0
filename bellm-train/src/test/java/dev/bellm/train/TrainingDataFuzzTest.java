package dev.bellm.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bellm.train.data.Batches;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import dev.bellm.train.data.TrainingDataException;
import dev.bellm.train.loss.AngleObjective;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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
    /** Bounds of one fuzzing run (JAZZER_FUZZ=1), whichever comes first; regression runs only replay the corpus. */
    private static final String FUZZ_DURATION = "7m";
    private static final long FUZZ_EXECUTIONS = 100_000;
    /** The name errors give the fuzzed bytes; nothing is written there. */
    private static final Path FILE = Path.of("fuzz", "train.jsonl");

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void jsonLines(byte[] bytes) throws IOException {
        List<Example> examples;
        try {
            examples = TrainingData.read(new ByteArrayInputStream(bytes), FILE); // as read(FILE) reads the file's bytes
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
