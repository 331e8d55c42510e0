package dev.bellm.eval;

import java.util.Arrays;
import java.util.List;

/**
 * How to run the retrieval evaluation.
 *
 * @param tasks        which tasks, in report order
 * @param appendPeriod append "." to sentences that do not end in punctuation, as for STS
 * @param chunkSize    how many unique sentences go to the encoder per call
 */
public record RetrievalOptions(List<RetrievalTask> tasks, boolean appendPeriod, int chunkSize) {
    /** MTEB's cut-offs: nDCG and MRR at 10 (nDCG@10 is MTEB's main retrieval score), recall at 100. */
    public static final int NDCG_K = 10, MRR_K = 10, RECALL_K = 100;

    public RetrievalOptions {
        if (tasks == null || tasks.isEmpty()) throw new IllegalArgumentException("no retrieval task selected");
        tasks = List.copyOf(tasks);
        if (chunkSize <= 0) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
    }

    public static RetrievalOptions defaults() {
        return new RetrievalOptions(Arrays.asList(RetrievalTask.values()), false, StsOptions.DEFAULT_CHUNK_SIZE);
    }
}
