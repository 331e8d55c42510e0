package dev.bellm.experiments;

/**
 * One finished configuration: a line of {@code sweep.csv}.
 *
 * @param steps   optimizer steps trained (0 when frozen)
 * @param score   the scorer's value (for STS: mean Spearman ×100; NaN when undefined, e.g. constant embeddings)
 * @param seconds wall time of the configuration: training (summed over resumed parts) plus evaluation
 */
public record SweepRow(SweepConfig config, int steps, double score, double seconds) {}
