package dev.bellm.eval;

import java.util.List;

/**
 * A transfer task's labelled examples. Cross-validated tasks (MR, CR, SUBJ, MPQA) have everything in
 * {@code train}; SST-2 has all three; TREC and MRPC have no dev set.
 */
public record TransferDataset(TransferTask task, List<Example> train, List<Example> dev, List<Example> test) {
    /**
     * One example: a sentence (or, for MRPC, a sentence pair) and its class, 0-based.
     *
     * @param texts one sentence, or two for a pair task
     */
    public record Example(List<String> texts, int label) {
        public Example {
            texts = List.copyOf(texts);
        }
    }

    public TransferDataset {
        train = List.copyOf(train);
        dev = List.copyOf(dev);
        test = List.copyOf(test);
    }
}
