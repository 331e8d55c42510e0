package dev.bellm.train.loss;

import java.util.Objects;

/** Checks shared by the losses, so a bad batch fails with a message instead of an index error or a NaN. */
final class LossInputs {
    private LossInputs() {}

    static double requireTau(String loss, double tau) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException(loss + ": tau must be positive and finite, got " + tau
                    + " (the AnglE reference uses 20, or 1 for the first angle loss)");
        }
        return tau;
    }

    /** x holds {@code rows × dim} finite values and gradOut, when given, has room for as many. */
    static void checkBatch(String loss, double[] x, int rows, int dim, double[] gradOut) {
        Objects.requireNonNull(x, "x");
        if (rows <= 0 || dim <= 0) {
            throw new IllegalArgumentException(loss + ": batch shape [" + rows + ", " + dim + "] must be positive");
        }
        if ((long) rows * dim != x.length) {
            throw new IllegalArgumentException(loss + ": x has " + x.length + " values, expected rows × dim = " + rows
                    + " × " + dim);
        }
        if (gradOut != null && gradOut.length != x.length) {
            throw new IllegalArgumentException(loss + ": gradOut has " + gradOut.length + " values, expected " + x.length
                    + " (one per input value)");
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException(loss + ": x[" + i / dim + ", " + i % dim + "] is " + x[i]
                        + "; embeddings must be finite (did the forward pass overflow?)");
            }
        }
    }

    /** rows are zigzag pairs {@code [a0, b0, a1, b1, ...]} with one finite label per row, equal within a pair. */
    static void checkPairs(String loss, int rows, float[] labels) {
        if (rows % 2 != 0) {
            throw new IllegalArgumentException(loss + ": " + rows + " rows is not a whole number of pairs; give zigzag"
                    + " rows [a0, b0, a1, b1, ...]");
        }
        if (labels == null || labels.length != rows) {
            throw new IllegalArgumentException(loss + ": needs one label per row (" + rows + "), got "
                    + (labels == null ? "none" : labels.length));
        }
        for (int pair = 0; pair < rows / 2; pair++) {
            float first = labels[2 * pair];
            float second = labels[2 * pair + 1];
            if (!Float.isFinite(first) || first != second) {
                throw new IllegalArgumentException(loss + ": pair " + pair + " has labels " + first + " and " + second
                        + "; give each pair's finite label twice, once for each of its rows");
            }
        }
    }
}
