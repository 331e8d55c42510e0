package dev.bellm.train.loss;

import java.util.Arrays;

/**
 * Contrastive loss with hard negatives (InfoNCE), the AnglE reference's
 * {@code contrastive_with_negative_loss}: each text must pick its own positive among all positives and
 * all hard negatives of the batch.
 *
 * <pre>
 *   rows are triplets [t0, p0, n0, t1, p1, n1, ...]  (AnglE's dataset format "text, positive, negative")
 *   candidates C = [p0 … p_{B−1}, n0 … n_{B−1}]
 *   S_ij = τ · cos(t_i, C_j)                            [B, 2B]
 *   L    = (1 / B) · Σ_i [ log Σ_j exp(S_ij) − S_ii ]    cross-entropy with target i
 * </pre>
 *
 * Labels are not used and may be null.
 */
public record ContrastiveLoss(double tau) implements Loss {
    private static final String NAME = "contrastive loss";

    public ContrastiveLoss {
        LossInputs.requireTau(NAME, tau);
    }

    /** Shapes: x [3B, dim] triplets (text, positive, negative), labels ignored, gradOut [3B, dim] or null. */
    @Override
    public double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        LossInputs.checkBatch(NAME, x, rows, dim, gradOut);
        if (rows % 3 != 0) {
            throw new IllegalArgumentException(NAME + ": " + rows + " rows is not a whole number of triplets; give rows"
                    + " [text0, positive0, negative0, text1, ...]");
        }
        int batch = rows / 3;
        int candidates = 2 * batch;

        double[] unit = new double[x.length];
        double[] norms = new double[rows];
        L2Norm.forward(x, rows, dim, unit, norms);
        double[] scores = new double[batch * candidates];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < candidates; j++) {
                scores[i * candidates + j] = tau * L2Norm.dot(unit, dim, 3 * i, candidateRow(j, batch));
            }
        }

        // dScores[i, j] = (softmax_ij − [j = i]) / B
        double[] dScores = gradOut == null ? null : new double[batch * candidates];
        double loss = 0;
        for (int i = 0; i < batch; i++) {
            int row = i * candidates;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < candidates; j++) max = Math.max(max, scores[row + j]);
            double sum = 0;
            for (int j = 0; j < candidates; j++) sum += Math.exp(scores[row + j] - max);
            double logSumExp = max + Math.log(sum);
            loss += logSumExp - scores[row + i];
            if (dScores != null) {
                for (int j = 0; j < candidates; j++) dScores[row + j] = Math.exp(scores[row + j] - logSumExp) / batch;
                dScores[row + i] -= 1.0 / batch;
            }
        }
        loss /= batch;
        if (gradOut == null) return loss;

        // S_ij = τ·t̂_i·Ĉ_j: dL/dt̂_i = τ·Σ_j dS_ij·Ĉ_j and dL/dĈ_j = τ·Σ_i dS_ij·t̂_i
        Arrays.fill(gradOut, 0);
        for (int i = 0; i < batch; i++) {
            int text = 3 * i * dim;
            for (int j = 0; j < candidates; j++) {
                double g = tau * dScores[i * candidates + j];
                int candidate = candidateRow(j, batch) * dim;
                for (int k = 0; k < dim; k++) {
                    gradOut[text + k] += g * unit[candidate + k];
                    gradOut[candidate + k] += g * unit[text + k];
                }
            }
        }
        L2Norm.backward(gradOut, unit, norms, rows, dim, gradOut);
        return loss;
    }

    /** The row of candidate j: positive j for j &lt; B, else negative j − B. */
    private static int candidateRow(int j, int batch) {
        return j < batch ? 3 * j + 1 : 3 * (j - batch) + 2;
    }
}
