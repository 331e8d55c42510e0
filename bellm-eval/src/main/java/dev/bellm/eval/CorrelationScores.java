package dev.bellm.eval;

/** Spearman and Pearson correlations (×100) of cosine against gold over {@code pairs} pairs. */
public record CorrelationScores(double spearman, double pearson, int pairs) {}
