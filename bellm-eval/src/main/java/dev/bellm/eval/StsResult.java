package dev.bellm.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One STS task, all scores ×100.
 *
 * @param spearman     Spearman of cosine against gold over all the task's pairs (for STS12–16 the "all" setting:
 *                     every subset's pairs concatenated)
 * @param pearson      Pearson over the same pairs
 * @param pairs        how many scored pairs
 * @param split        the split evaluated (test, or STS-B dev)
 * @param subsets      STS12–16: each subset's own correlations, in SentEval's order; empty otherwise
 * @param weightedMean STS12–16: the subsets' correlations averaged with their pair counts as weights; null otherwise
 */
public record StsResult(double spearman, double pearson, int pairs, String split, Map<String, CorrelationScores> subsets,
                        CorrelationScores weightedMean) implements TaskResult {
    public StsResult {
        subsets = Collections.unmodifiableMap(new LinkedHashMap<>(subsets));
    }

    @Override
    public double mainScore() {
        return spearman;
    }
}
