package dev.bellm.eval;

import java.util.Arrays;
import java.util.List;

/**
 * How to run the STS evaluation.
 *
 * @param tasks        which tasks, in report order
 * @param stsbSplit    the STS Benchmark split: {@code test} (the papers' number) or {@code dev} (for model selection)
 * @param appendPeriod append "." to sentences that do not end in punctuation (PromptEOL-style prompts want it)
 * @param chunkSize    how many unique sentences go to the encoder per call
 */
public record StsOptions(List<StsTask> tasks, String stsbSplit, boolean appendPeriod, int chunkSize) {
    public static final int DEFAULT_CHUNK_SIZE = 256;

    public StsOptions {
        if (tasks == null || tasks.isEmpty()) throw new IllegalArgumentException("no STS task selected");
        tasks = List.copyOf(tasks);
        if (!List.of("test", "dev").contains(stsbSplit)) {
            throw new IllegalArgumentException("STS-B split '" + stsbSplit + "': choose test or dev");
        }
        if (chunkSize <= 0) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
    }

    /** All seven tasks, STS-B test, text as is, default chunks: the protocol of the papers. */
    public static StsOptions defaults() {
        return new StsOptions(Arrays.asList(StsTask.values()), "test", false, DEFAULT_CHUNK_SIZE);
    }
}
