package dev.bellm.eval;

/**
 * A sentence pair with its gold similarity score.
 *
 * @param subset the subset it comes from (an STS12–16 file name such as {@code MSRpar}, else the split name)
 */
public record ScoredPair(String subset, String first, String second, double score) {}
