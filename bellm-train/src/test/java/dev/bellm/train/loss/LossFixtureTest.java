package dev.bellm.train.loss;

import dev.bellm.SharedData;
import static dev.bellm.train.loss.LossTestSupport.assertCloseToScale;
import static dev.bellm.train.loss.LossTestSupport.assertRelative;

import org.junit.jupiter.api.Test;

/** Each loss's value and input gradient against every case of {@code loss_check}. */
@SharedData
class LossFixtureTest {
    /** Both sides are float64, so only summation order separates them (measured: about 1e-15). */
    static final double FLOAT64_TOLERANCE = 1e-6;

    private final LossFixture fixture = LossFixture.get();

    /** The loss's value and gradient on the fixture's zigzag embeddings match case {@code name}. */
    private void assertPairCase(String name, Loss loss, float[] labels) {
        double[] gradient = new double[fixture.embeddings.length];
        double value = loss.forward(fixture.embeddings, fixture.rows, fixture.dim, labels, gradient);
        assertRelative(fixture.value(name), value, FLOAT64_TOLERANCE, name);
        assertCloseToScale(fixture.gradient(name), gradient, FLOAT64_TOLERANCE, "grad." + name);
        // value-only calls give the same value
        assertRelative(value, loss.forward(fixture.embeddings, fixture.rows, fixture.dim, labels, null), 1e-15,
                name + " without gradient");
    }

    @Test
    void cosineWithGradedScores() {
        assertPairCase("cosine_tau20_scores", new CosineLoss(20), fixture.scoreLabels);
    }

    @Test
    void cosineWithBinaryLabels() {
        assertPairCase("cosine_tau20_binary", new CosineLoss(20), fixture.binaryLabels);
    }

    @Test
    void angleWithTau20() {
        assertPairCase("angle_tau20_scores", new AngleLoss(20), fixture.scoreLabels);
    }

    @Test
    void angleWithTau1() {
        assertPairCase("angle_tau1_scores", new AngleLoss(1), fixture.scoreLabels);
    }

    @Test
    void inBatchNegatives() {
        assertPairCase("ibn_tau20_binary", new InBatchNegativeLoss(20), fixture.binaryLabels);
    }

    @Test
    void contrastiveWithHardNegatives() {
        String name = "contrastive_with_negative_tau20";
        double[] gradient = new double[fixture.triplets.length];
        double value = new ContrastiveLoss(20).forward(fixture.triplets, fixture.tripletRows, fixture.dim, null, gradient);
        assertRelative(fixture.value(name), value, FLOAT64_TOLERANCE, name);
        assertCloseToScale(fixture.tripletGradient(name), gradient, FLOAT64_TOLERANCE, "grad." + name);
    }

    /**
     * The float entry point the trainer uses: rounding the fixture's inputs to float32 moves the value by about
     * 2e-8 relative and the gradient by about 5e-8 of its scale (measured), far inside 1e-6.
     */
    @Test
    void floatEntryPointAgreesWithTheFixtureToFloatPrecision() {
        float[] rounded = new float[fixture.embeddings.length];
        for (int i = 0; i < rounded.length; i++) rounded[i] = (float) fixture.embeddings[i];
        float[] gradient = new float[rounded.length];

        double value = new AngleLoss(20).forward(rounded, fixture.rows, fixture.dim, fixture.scoreLabels, gradient);

        assertRelative(fixture.value("angle_tau20_scores"), value, 1e-6, "angle_tau20_scores from floats");
        double[] widened = new double[gradient.length];
        for (int i = 0; i < gradient.length; i++) widened[i] = gradient[i];
        assertCloseToScale(fixture.gradient("angle_tau20_scores"), widened, 1e-6, "grad.angle_tau20_scores from floats");
    }
}
