package dev.bellm.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hand-computed values on tiny batches, degenerate batches, and bad input refused with a message. */
class LossEdgeCaseTest {
    private static final double TAU = 20;
    private static final double EXACT = 1e-12;

    // ---- hand-computed values ----

    @Test
    void cosineRanksAnOrthogonalPairBelowAnIdenticalOne() {
        // pair 0 has cos 0, pair 1 cos 1: s = (0, τ)
        double[] x = {1, 0, 0, 1, 1, 0, 1, 0};
        // y0 < y1: the only term is exp(s0 − s1) = e^−τ
        assertEquals(Math.log1p(Math.exp(-TAU)), new CosineLoss(TAU).forward(x, 4, 2, new float[] {0, 0, 1, 1}, null), EXACT);
        // the reverse order is wrong by τ: log(1 + e^τ)
        assertEquals(TAU + Math.log1p(Math.exp(-TAU)), new CosineLoss(TAU).forward(x, 4, 2, new float[] {1, 1, 0, 0}, null),
                EXACT);
    }

    @Test
    void angleOfIdenticalAndOfEighthTurnApartPairs() {
        // dim 2 is one complex number: z = 1, w = 1 gives Σre(q)+Σim(q) = 1, so Δ = τ;
        // z = 1, w = (1 + i)/√2 gives q = (1 − i)/√2, whose parts cancel, so Δ = 0
        double s = Math.sqrt(0.5);
        double[] x = {1, 0, 1, 0, 1, 0, s, s};
        // pair 1 (Δ 0) ranks below pair 0 (Δ τ) and is labelled lower: the one term is e^(0 − τ)
        assertEquals(Math.log1p(Math.exp(-TAU)), new AngleLoss(TAU).forward(x, 4, 2, new float[] {1, 1, 0, 0}, null), EXACT);
    }

    @Test
    void angleIgnoresTheLengthOfEitherVector() {
        double[] x = LossTestSupport.gaussian(11, 8 * 4);
        float[] labels = {3, 3, 1, 1, 2, 2, 0, 0};
        double before = new AngleLoss(TAU).forward(x, 8, 4, labels, null);
        for (int c = 0; c < 4; c++) x[4 + c] *= 7;
        assertEquals(before, new AngleLoss(TAU).forward(x, 8, 4, labels, null), 1e-12 * before);
    }

    @Test
    void inBatchNegativesOfOrthonormalRows() {
        // all similarities 0: each positive row picks its partner out of 3 others uniformly, −log(1/3) = log 3
        double[] x = identity(4);
        InBatchNegativeLoss loss = new InBatchNegativeLoss(TAU);
        assertEquals(Math.log(3), loss.forward(x, 4, 4, new float[] {1, 1, 1, 1}, null), EXACT);
        // the negative pair's rows count as 0 in the mean over all 4 rows
        assertEquals(Math.log(3) / 2, loss.forward(x, 4, 4, new float[] {1, 1, 0, 0}, null), EXACT);
    }

    @Test
    void inBatchNegativesOfIdenticalPartners() {
        // rows e1, e1, e2, e2: each row sees its partner at τ and two others at 0: log(e^τ + 2) − τ
        double[] x = {1, 0, 1, 0, 0, 1, 0, 1};
        assertEquals(Math.log1p(2 * Math.exp(-TAU)),
                new InBatchNegativeLoss(TAU).forward(x, 4, 2, new float[] {1, 1, 1, 1}, null), EXACT);
    }

    @Test
    void contrastiveOfOrthonormalNegatives() {
        // t_i = p_i = e_i and negatives e3, e4: each text sees its positive at τ and three candidates at 0
        double[] x = {
            1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0,
            0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
        assertEquals(Math.log1p(3 * Math.exp(-TAU)), new ContrastiveLoss(TAU).forward(x, 6, 4, null, null), EXACT);
    }

    // ---- degenerate batches ----

    @Test
    void cosineAndAngleWithAllLabelsEqualHaveNothingToRank() {
        double[] x = LossTestSupport.gaussian(12, 6 * 4);
        float[] same = {2, 2, 2, 2, 2, 2};
        for (Loss loss : new Loss[] {new CosineLoss(TAU), new AngleLoss(TAU)}) {
            double[] gradient = filled(x.length, Double.NaN);
            assertEquals(0.0, loss.forward(x, 6, 4, same, gradient), 0.0, loss + " value");
            assertArrayEquals(new double[x.length], gradient, 0.0, loss + " gradient");
        }
    }

    @Test
    void inBatchNegativesWithoutAnyPositivePair() {
        double[] x = LossTestSupport.gaussian(13, 6 * 4);
        double[] gradient = filled(x.length, Double.NaN);
        assertEquals(0.0, new InBatchNegativeLoss(TAU).forward(x, 6, 4, new float[6], gradient), 0.0);
        assertArrayEquals(new double[x.length], gradient, 0.0);
    }

    @Test
    void aZeroRowIsNormalisedToZeroAsTorchDoes() {
        // F.normalize floors the norm at 1e-12, so a zero row has cosine 0 with everything, not NaN
        double[] x = {0, 0, 1, 0, 1, 0, 1, 0};
        double[] gradient = new double[x.length];
        double value = new CosineLoss(TAU).forward(x, 4, 2, new float[] {0, 0, 1, 1}, gradient);
        assertEquals(Math.log1p(Math.exp(-TAU)), value, EXACT);
        for (double g : gradient) assertTrue(Double.isFinite(g), "gradient must be finite, got " + g);
    }

    // ---- bad input ----

    @Test
    void pairLossesRefuseAnOddNumberOfRows() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CosineLoss(TAU).forward(new double[6], 3, 2, new float[3], null));
        assertTrue(e.getMessage().contains("not a whole number of pairs"), e.getMessage());
    }

    @Test
    void pairLossesRefuseMissingOrMismatchedLabels() {
        double[] x = LossTestSupport.gaussian(14, 4 * 2);
        var missing = assertThrows(IllegalArgumentException.class, () -> new AngleLoss(TAU).forward(x, 4, 2, null, null));
        assertTrue(missing.getMessage().contains("one label per row"), missing.getMessage());
        var wrongCount = assertThrows(IllegalArgumentException.class,
                () -> new AngleLoss(TAU).forward(x, 4, 2, new float[] {1, 1}, null));
        assertTrue(wrongCount.getMessage().contains("one label per row (4), got 2"), wrongCount.getMessage());
        var split = assertThrows(IllegalArgumentException.class,
                () -> new CosineLoss(TAU).forward(x, 4, 2, new float[] {1, 1, 0, 1}, null));
        assertTrue(split.getMessage().contains("pair 1 has labels 0.0 and 1.0"), split.getMessage());
    }

    @Test
    void lossesRefuseAShapeThatDoesNotFitTheArray() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ContrastiveLoss(TAU).forward(new double[10], 3, 4, null, null));
        assertTrue(e.getMessage().contains("x has 10 values, expected rows × dim = 3 × 4"), e.getMessage());
        var gradient = assertThrows(IllegalArgumentException.class,
                () -> new CosineLoss(TAU).forward(new double[8], 4, 2, new float[4], new double[7]));
        assertTrue(gradient.getMessage().contains("gradOut has 7 values, expected 8"), gradient.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CosineLoss(TAU).forward(new double[0], 0, 2, new float[0], null));
    }

    @Test
    void lossesRefuseNonFiniteEmbeddings() {
        double[] x = {1, 0, 0, 1, 1, Double.NaN, 1, 0};
        var e = assertThrows(IllegalArgumentException.class,
                () -> new InBatchNegativeLoss(TAU).forward(x, 4, 2, new float[] {1, 1, 1, 1}, null));
        assertTrue(e.getMessage().contains("x[2, 1] is NaN"), e.getMessage());
    }

    @Test
    void angleRefusesAnOddWidthAndAZeroRow() {
        var odd = assertThrows(IllegalArgumentException.class,
                () -> new AngleLoss(TAU).forward(new double[] {1, 2, 3, 4, 5, 6}, 2, 3, new float[] {1, 1}, null));
        assertTrue(odd.getMessage().contains("dim 3 is odd"), odd.getMessage());
        var zero = assertThrows(IllegalArgumentException.class,
                () -> new AngleLoss(TAU).forward(new double[] {1, 2, 0, 0}, 2, 2, new float[] {1, 1}, null));
        assertTrue(zero.getMessage().contains("row 1 is all zeros"), zero.getMessage());
    }

    @Test
    void inBatchNegativesRefuseGradedLabels() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new InBatchNegativeLoss(TAU).forward(identity(4), 4, 4, new float[] {1, 1, 4.2f, 4.2f}, null));
        assertTrue(e.getMessage().contains("pair 1 has label 4.2") && e.getMessage().contains("binary labels 0/1"),
                e.getMessage());
    }

    @Test
    void contrastiveRefusesRowsThatAreNotTriplets() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ContrastiveLoss(TAU).forward(identity(4), 4, 4, null, null));
        assertTrue(e.getMessage().contains("not a whole number of triplets"), e.getMessage());
    }

    @Test
    void tauMustBePositiveAndFinite() {
        for (double tau : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> new CosineLoss(tau));
            assertTrue(e.getMessage().contains("tau must be positive and finite"), e.getMessage());
        }
    }

    private static double[] identity(int n) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    private static double[] filled(int length, double value) {
        double[] a = new double[length];
        Arrays.fill(a, value);
        return a;
    }
}
