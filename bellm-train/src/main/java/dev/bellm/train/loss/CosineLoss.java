package dev.bellm.train.loss;

/**
 * CoSENT, the AnglE reference's {@code cosine_loss}: ranks the pairs' cosine similarities by their labels.
 *
 * <pre>
 *   s_i = τ · cos(a_i, b_i)                          for each zigzag pair (rows 2i, 2i+1)
 *   L   = log(1 + Σ_{y_i &lt; y_j} exp(s_i − s_j))
 * </pre>
 *
 * Labels may be graded (STS scores) or binary; only their order matters. When no two pairs have
 * different labels there is nothing to rank and {@code L = log 1 = 0} with a zero gradient.
 */
public record CosineLoss(double tau) implements Loss {
    private static final String NAME = "cosine loss";

    public CosineLoss {
        LossInputs.requireTau(NAME, tau);
    }

    /** Shapes: x [2B, dim] zigzag pairs, labels [2B] (each pair's label twice), gradOut [2B, dim] or null. */
    @Override
    public double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        LossInputs.checkBatch(NAME, x, rows, dim, gradOut);
        LossInputs.checkPairs(NAME, rows, labels);
        int pairs = rows / 2;

        double[] unit = new double[x.length];
        double[] norms = new double[rows];
        L2Norm.forward(x, rows, dim, unit, norms);
        double[] scores = new double[pairs];
        for (int p = 0; p < pairs; p++) scores[p] = tau * L2Norm.dot(unit, dim, 2 * p, 2 * p + 1);

        double[] dScores = gradOut == null ? null : new double[pairs];
        double loss = CoSent.rank(scores, labels, dScores);
        if (gradOut == null) return loss;

        // s = τ·(â·b̂): dL/dâ = ds·τ·b̂ and dL/db̂ = ds·τ·â, then back through the normalisation
        for (int p = 0; p < pairs; p++) {
            double g = dScores[p] * tau;
            int a = 2 * p * dim;
            int b = a + dim;
            for (int c = 0; c < dim; c++) {
                gradOut[a + c] = g * unit[b + c];
                gradOut[b + c] = g * unit[a + c];
            }
        }
        L2Norm.backward(gradOut, unit, norms, rows, dim, gradOut);
        return loss;
    }
}
