package dev.bellm.train.loss;

/**
 * The angle loss of AnglE (Li &amp; Li 2023), the reference's {@code angle_loss} with sum pooling: each
 * embedding is read as a complex vector, its first half the real parts and its second half the imaginary
 * parts, and pairs are ranked by how far apart their angles are.
 *
 * <pre>
 *   z = a + b·i  (first row of a pair),  w = c + d·i  (second row),  a, b, c, d ∈ ℝ^{dim/2}
 *   q = (z / w) · ‖w‖ / ‖z‖       element-wise complex division, i.e. conj(w)·z / (‖z‖·‖w‖)
 *   Δ = τ · |Σ re(q) + Σ im(q)| = τ · |Σ_k a_k(c_k − d_k) + b_k(c_k + d_k)| / (‖z‖·‖w‖)
 *   L = log(1 + Σ_{y_i &lt; y_j} exp(Δ_i − Δ_j))
 * </pre>
 *
 * ‖z‖ and ‖w‖ are norms of whole rows. A pair with an all-zero row has no angle and is rejected.
 * At {@code Σ re(q) + Σ im(q) = 0} the gradient of |·| is taken as 0, as torch does.
 */
public record AngleLoss(double tau) implements Loss {
    private static final String NAME = "angle loss";

    public AngleLoss {
        LossInputs.requireTau(NAME, tau);
    }

    /**
     * Shapes: x [2B, dim] zigzag pairs with dim even, labels [2B] (each pair's label twice),
     * gradOut [2B, dim] or null.
     */
    @Override
    public double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut) {
        LossInputs.checkBatch(NAME, x, rows, dim, gradOut);
        LossInputs.checkPairs(NAME, rows, labels);
        if (dim % 2 != 0) {
            throw new IllegalArgumentException(NAME + ": dim " + dim + " is odd; the angle loss splits each row into"
                    + " equal real and imaginary halves");
        }
        int pairs = rows / 2;
        int half = dim / 2;

        // per pair: u = Σ re(q) + Σ im(q), and the squared norms of z and w
        double[] u = new double[pairs];
        double[] zSquared = new double[pairs];
        double[] wSquared = new double[pairs];
        double[] deltas = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            int z = 2 * p * dim;
            int w = z + dim;
            double cross = 0;
            for (int k = 0; k < half; k++) {
                double a = x[z + k], b = x[z + half + k], c = x[w + k], d = x[w + half + k];
                cross += a * (c - d) + b * (c + d);
            }
            zSquared[p] = L2Norm.dot(x, dim, 2 * p, 2 * p);
            wSquared[p] = L2Norm.dot(x, dim, 2 * p + 1, 2 * p + 1);
            if (zSquared[p] == 0 || wSquared[p] == 0) {
                throw new IllegalArgumentException(NAME + ": row " + (zSquared[p] == 0 ? 2 * p : 2 * p + 1)
                        + " is all zeros, so pair " + p + " has no angle");
            }
            u[p] = cross / Math.sqrt(zSquared[p] * wSquared[p]);
            deltas[p] = tau * Math.abs(u[p]);
        }

        double[] dDeltas = gradOut == null ? null : new double[pairs];
        double loss = CoSent.rank(deltas, labels, dDeltas);
        if (gradOut == null) return loss;

        // u = P / (‖z‖‖w‖) is scale-free in z and in w: du/dz_k = (∂P/∂z_k)/(‖z‖‖w‖) − u·z_k/‖z‖², same for w
        for (int p = 0; p < pairs; p++) {
            double g = dDeltas[p] * tau * Math.signum(u[p]);
            double inverseNorms = 1 / Math.sqrt(zSquared[p] * wSquared[p]);
            double uOverZ = u[p] / zSquared[p];
            double uOverW = u[p] / wSquared[p];
            int z = 2 * p * dim;
            int w = z + dim;
            for (int k = 0; k < half; k++) {
                double a = x[z + k], b = x[z + half + k], c = x[w + k], d = x[w + half + k];
                gradOut[z + k] = g * ((c - d) * inverseNorms - uOverZ * a);
                gradOut[z + half + k] = g * ((c + d) * inverseNorms - uOverZ * b);
                gradOut[w + k] = g * ((a + b) * inverseNorms - uOverW * c);
                gradOut[w + half + k] = g * ((b - a) * inverseNorms - uOverW * d);
            }
        }
        return loss;
    }
}
