package dev.bellm.eval;

import java.util.Arrays;
import java.util.List;

/**
 * How to run the transfer evaluation.
 *
 * @param tasks        which tasks, in report order
 * @param probe        how the logistic-regression probes are fitted
 * @param appendPeriod append "." to sentences that do not end in punctuation, as for STS
 * @param chunkSize    how many unique sentences go to the encoder per call
 */
public record TransferOptions(List<TransferTask> tasks, ProbeOptions probe, boolean appendPeriod, int chunkSize) {
    public TransferOptions {
        if (tasks == null || tasks.isEmpty()) throw new IllegalArgumentException("no transfer task selected");
        tasks = List.copyOf(tasks);
        if (probe == null) throw new IllegalArgumentException("no probe options");
        if (chunkSize <= 0) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
    }

    /** All seven tasks with SentEval's probe protocol. */
    public static TransferOptions defaults() {
        return new TransferOptions(Arrays.asList(TransferTask.values()), ProbeOptions.sentEval(), false,
                StsOptions.DEFAULT_CHUNK_SIZE);
    }
}
