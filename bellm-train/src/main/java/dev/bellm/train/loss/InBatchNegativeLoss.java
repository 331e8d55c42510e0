package dev.bellm.train.loss;

import java.util.Arrays;

/**
 * In-batch negatives, the AnglE reference's {@code in_batch_negative_loss}: each row of a positive pair
 * must pick out its partner among all other rows of the batch.
 *
 * <pre>
 *   x̂ = x / ‖x‖ row-wise,   S_rc = τ · x̂_r·x̂_c  for c ≠ r  (the diagonal is masked out)
 *   L  = (1 / 2B) · Σ_{r : y_r = 1} [ log Σ_{c ≠ r} exp(S_rc) − S_{r, r xor 1} ]
 * </pre>
 *
 * Labels must be binary (1 = the pair's rows are positives of each other, 0 = not). Rows of negative
 * pairs still serve as negatives for the others and count as 0 in the mean over all 2B rows; a batch
 * without any positive pair has {@code L = 0} and a zero gradient.
 * (The reference truncates labels to int and matches row indices multiplied by them, which gives
 * accidental targets for graded labels; graded labels are refused here instead.)
 */
public record InBatchNegativeLoss(double tau) implements Loss {
    private static final String NAME = "in-batch negative loss";

    public InBatchNegativeLoss {
        LossInputs.requireTau(NAME, tau);
    }

    /** Shapes: x [2B, dim] zigzag pairs, labels [2B] of 0/1 (each pair's label twice), gradOut [2B, dim] or null. */
    @Override
    public double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        LossInputs.checkBatch(NAME, x, rows, dim, gradOut);
        LossInputs.checkPairs(NAME, rows, labels);
        for (int r = 0; r < rows; r += 2) {
            if (labels[r] != 0 && labels[r] != 1) {
                throw new IllegalArgumentException(NAME + ": pair " + r / 2 + " has label " + labels[r] + "; in-batch"
                        + " negatives need binary labels 0/1 (set its weight to 0 to train on graded scores)");
            }
        }

        double[] unit = new double[x.length];
        double[] norms = new double[rows];
        L2Norm.forward(x, rows, dim, unit, norms);
        double[] scores = new double[rows * rows];
        for (int r = 0; r < rows; r++) {
            for (int c = r + 1; c < rows; c++) {
                scores[r * rows + c] = scores[c * rows + r] = tau * L2Norm.dot(unit, dim, r, c);
            }
        }

        // dScores[r, c] = (softmax_rc − [c = partner]) / 2B for rows of positive pairs, 0 elsewhere
        double[] dScores = gradOut == null ? null : new double[rows * rows];
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] != 1) continue;
            int partner = r ^ 1;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < rows; c++) {
                if (c != r) max = Math.max(max, scores[r * rows + c]);
            }
            double sum = 0;
            for (int c = 0; c < rows; c++) {
                if (c != r) sum += Math.exp(scores[r * rows + c] - max);
            }
            double logSumExp = max + Math.log(sum);
            loss += logSumExp - scores[r * rows + partner];
            if (dScores != null) {
                for (int c = 0; c < rows; c++) {
                    if (c != r) dScores[r * rows + c] = Math.exp(scores[r * rows + c] - logSumExp) / rows;
                }
                dScores[r * rows + partner] -= 1.0 / rows;
            }
        }
        loss /= rows;
        if (gradOut == null) return loss;

        // S_rc = τ·x̂_r·x̂_c appears in row r and, by symmetry, as S_cr: dL/dx̂_r = τ·Σ_c (dS_rc + dS_cr)·x̂_c
        Arrays.fill(gradOut, 0);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < rows; c++) {
                if (c == r) continue;
                double g = tau * (dScores[r * rows + c] + dScores[c * rows + r]);
                if (g == 0) continue;
                for (int k = 0; k < dim; k++) gradOut[r * dim + k] += g * unit[c * dim + k];
            }
        }
        L2Norm.backward(gradOut, unit, norms, rows, dim, gradOut);
        return loss;
    }
}
