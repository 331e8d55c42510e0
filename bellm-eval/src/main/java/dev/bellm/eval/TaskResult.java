package dev.bellm.eval;

/** The result of one evaluation task. */
public sealed interface TaskResult permits StsResult, TransferResult, RetrievalResult {
    /** The score the table and the average use, ×100: Spearman for STS, accuracy for transfer, nDCG@10 for retrieval. */
    double mainScore();
}
