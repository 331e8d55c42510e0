package dev.bellm.train.loss;

import java.util.Arrays;

/**
 * The CoSENT ranking shared by {@link CosineLoss} and {@link AngleLoss}: every pair of pairs whose labels
 * are ordered {@code y_i < y_j} is penalised by how far score i exceeds score j,
 * {@code L = log(1 + Σ_{y_i < y_j} exp(s_i − s_j))}. The reference writes this as a logsumexp over
 * {@code [0, s_i − s_j − 10¹²·(1 − mask)]}; masked terms are exactly 0 in double, so they are skipped here.
 */
final class CoSent {
    private CoSent() {}

    /**
     * Shapes: scores [B], rowLabels [2B] (pair i's label is rowLabels[2i]), dScores [B] or null.
     * Returns L and, when dScores is given, overwrites it with dL/ds.
     */
    static double rank(double[] scores, float[] rowLabels, double[] dScores) {
        int pairs = scores.length;
        // log-sum-exp shifted by the largest exponent; the "1 +" is the exponent 0
        double max = 0;
        for (int i = 0; i < pairs; i++) {
            for (int j = 0; j < pairs; j++) {
                if (rowLabels[2 * i] < rowLabels[2 * j]) max = Math.max(max, scores[i] - scores[j]);
            }
        }
        double sum = Math.exp(-max);
        for (int i = 0; i < pairs; i++) {
            for (int j = 0; j < pairs; j++) {
                if (rowLabels[2 * i] < rowLabels[2 * j]) sum += Math.exp(scores[i] - scores[j] - max);
            }
        }
        double loss = max + Math.log(sum);
        if (dScores == null) return loss;

        // each term's softmax weight p pushes s_i down and s_j up
        Arrays.fill(dScores, 0);
        for (int i = 0; i < pairs; i++) {
            for (int j = 0; j < pairs; j++) {
                if (rowLabels[2 * i] < rowLabels[2 * j]) {
                    double p = Math.exp(scores[i] - scores[j] - max) / sum;
                    dScores[i] += p;
                    dScores[j] -= p;
                }
            }
        }
        return loss;
    }
}
