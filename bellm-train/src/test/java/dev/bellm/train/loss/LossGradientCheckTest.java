package dev.bellm.train.loss;

import static dev.bellm.train.loss.LossTestSupport.assertCloseToScale;
import static dev.bellm.train.loss.LossTestSupport.centralDifferences;
import static dev.bellm.train.loss.LossTestSupport.gaussian;

import org.junit.jupiter.api.Test;

/** Every hand-written backward pass against central differences of its own forward pass, on random batches. */
class LossGradientCheckTest {
    /** Central differences with h = 1e-6 are good to about 1e-8 here; 1e-6 leaves room without hiding a wrong term. */
    private static final double TOLERANCE = 1e-6;
    private static final int DIM = 6;
    /** Four pairs; the middle two tie, so the ranking mask has both ordered and unordered pairs. */
    private static final float[] GRADED = {0.5f, 0.5f, 2f, 2f, 2f, 2f, 4f, 4f};
    private static final float[] BINARY = {1, 1, 0, 0, 1, 1, 1, 1};

    private static void assertBackwardMatchesDifferences(Loss loss, int rows, float[] labels, long seed) {
        double[] x = gaussian(seed, rows * DIM);
        double[] analytic = new double[x.length];
        loss.forward(x, rows, DIM, labels, analytic);
        assertCloseToScale(centralDifferences(loss, x, rows, DIM, labels), analytic, TOLERANCE, loss + " gradient");
    }

    @Test
    void l2NormalisationBackward() {
        // f(x) = Σ weights ⊙ normalize(x), whose gradient is backward(weights); the second row is shorter than 1
        double[] weights = gaussian(7, 2 * DIM);
        Loss weightedUnit = (x, rows, dim, labels, gradOut) -> {
            double[] unit = new double[x.length];
            double[] norms = new double[rows];
            L2Norm.forward(x, rows, dim, unit, norms);
            if (gradOut != null) L2Norm.backward(weights, unit, norms, rows, dim, gradOut);
            double sum = 0;
            for (int i = 0; i < unit.length; i++) sum += weights[i] * unit[i];
            return sum;
        };
        double[] x = gaussian(8, 2 * DIM);
        for (int c = DIM; c < 2 * DIM; c++) x[c] *= 0.1;
        double[] analytic = new double[x.length];
        weightedUnit.forward(x, 2, DIM, null, analytic);
        assertCloseToScale(centralDifferences(weightedUnit, x, 2, DIM, null), analytic, TOLERANCE, "normalize gradient");
    }

    @Test
    void cosineBackward() {
        assertBackwardMatchesDifferences(new CosineLoss(20), 8, GRADED, 1);
    }

    @Test
    void angleBackwardTau20() {
        assertBackwardMatchesDifferences(new AngleLoss(20), 8, GRADED, 2);
    }

    @Test
    void angleBackwardTau1() {
        assertBackwardMatchesDifferences(new AngleLoss(1), 8, GRADED, 3);
    }

    @Test
    void inBatchNegativeBackward() {
        assertBackwardMatchesDifferences(new InBatchNegativeLoss(20), 8, BINARY, 4);
    }

    @Test
    void contrastiveBackward() {
        assertBackwardMatchesDifferences(new ContrastiveLoss(20), 9, null, 5);
    }

    @Test
    void objectiveOnPairsBackward() {
        assertBackwardMatchesDifferences(new AngleObjective(1, 20, 0.5, 10, 2, 1, AngleObjective.Layout.PAIRS), 8, BINARY, 6);
    }

    @Test
    void objectiveOnTripletsBackward() {
        // every text row feeds the contrastive term and two ranked pairs
        assertBackwardMatchesDifferences(new AngleObjective(1, 20, 0.5, 10, 2, 1, AngleObjective.Layout.TRIPLETS), 9, null, 9);
    }
}
