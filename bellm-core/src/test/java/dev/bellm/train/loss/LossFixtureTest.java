package dev.bellm.train.loss;

import static dev.bellm.train.loss.LossTestSupport.assertCloseToScale;
import static dev.bellm.train.loss.LossTestSupport.assertRelative;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.SafetensorsFile;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The losses against {@code fixtures/expected-losses.safetensors} and {@code cases.json → loss_check}: values
 * and input gradients computed by an independent float64 implementation of the AnglE reference code.
 */
class LossFixtureTest {
    /** Both sides are float64, so only summation order separates them. */
    private static final double FLOAT64_TOLERANCE = 1e-6;

    private static SafetensorsFile fixture;
    private static JsonNode expectedValues;
    private static double[] embeddings;
    private static float[] binaryLabels;
    private static float[] scoreLabels;

    @BeforeAll
    static void load() throws IOException {
        JsonNode lossCheck = new ObjectMapper().readTree(DataDirectory.resolve("fixtures/cases.json").toFile()).get("loss_check");
        expectedValues = lossCheck.get("values");
        fixture = SafetensorsFile.open(DataDirectory.resolve("fixtures/" + lossCheck.get("file").asText()));
        embeddings = fixture.doubles("embeddings");
        binaryLabels = fixture.floats("binary");
        scoreLabels = fixture.floats("scores");
    }

    private static int rows() {
        return (int) fixture.entry("embeddings").shape()[0];
    }

    private static int dim() {
        return (int) fixture.entry("embeddings").shape()[1];
    }

    /** The loss's value and gradient on the fixture's zigzag embeddings match case {@code name}. */
    private static void assertPairCase(String name, Loss loss, float[] labels) {
        double[] gradient = new double[embeddings.length];
        double value = loss.forward(embeddings, rows(), dim(), labels, gradient);
        assertRelative(expectedValues.get(name).asDouble(), value, FLOAT64_TOLERANCE, name);
        assertCloseToScale(fixture.doubles("grad." + name), gradient, FLOAT64_TOLERANCE, "grad." + name);
        // value-only calls give the same value
        assertRelative(value, loss.forward(embeddings, rows(), dim(), labels, null), 1e-15, name + " without gradient");
    }

    @Test
    void cosineWithGradedScores() {
        assertPairCase("cosine_tau20_scores", new CosineLoss(20), scoreLabels);
    }

    @Test
    void cosineWithBinaryLabels() {
        assertPairCase("cosine_tau20_binary", new CosineLoss(20), binaryLabels);
    }

    @Test
    void angleWithTau20() {
        assertPairCase("angle_tau20_scores", new AngleLoss(20), scoreLabels);
    }

    @Test
    void angleWithTau1() {
        assertPairCase("angle_tau1_scores", new AngleLoss(1), scoreLabels);
    }

    @Test
    void inBatchNegatives() {
        assertPairCase("ibn_tau20_binary", new InBatchNegativeLoss(20), binaryLabels);
    }

    @Test
    void contrastiveWithHardNegatives() {
        String name = "contrastive_with_negative_tau20";
        double[] text = fixture.doubles("triplet_text");
        double[] positive = fixture.doubles("triplet_pos");
        double[] negative = fixture.doubles("triplet_neg");
        int batch = (int) fixture.entry("triplet_text").shape()[0];
        int dim = (int) fixture.entry("triplet_text").shape()[1];
        double[] triplets = new double[3 * batch * dim];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(text, i * dim, triplets, 3 * i * dim, dim);
            System.arraycopy(positive, i * dim, triplets, (3 * i + 1) * dim, dim);
            System.arraycopy(negative, i * dim, triplets, (3 * i + 2) * dim, dim);
        }

        double[] gradient = new double[triplets.length];
        double value = new ContrastiveLoss(20).forward(triplets, 3 * batch, dim, null, gradient);

        assertRelative(expectedValues.get(name).asDouble(), value, FLOAT64_TOLERANCE, name);
        String[] roles = {"text", "pos", "neg"};
        for (int role = 0; role < 3; role++) {
            double[] part = new double[batch * dim];
            for (int i = 0; i < batch; i++) System.arraycopy(gradient, (3 * i + role) * dim, part, i * dim, dim);
            assertCloseToScale(fixture.doubles("grad." + name + "." + roles[role]), part, FLOAT64_TOLERANCE,
                    "grad." + name + "." + roles[role]);
        }
    }

    /**
     * The float entry point the trainer uses: rounding the fixture's inputs to float32 moves the value by about
     * 2e-8 relative and the gradient by about 5e-8 of its scale (measured), far inside 1e-6.
     */
    @Test
    void floatEntryPointAgreesWithTheFixtureToFloatPrecision() {
        float[] rounded = new float[embeddings.length];
        for (int i = 0; i < rounded.length; i++) rounded[i] = (float) embeddings[i];
        float[] gradient = new float[rounded.length];

        double value = new AngleLoss(20).forward(rounded, rows(), dim(), scoreLabels, gradient);

        assertRelative(expectedValues.get("angle_tau20_scores").asDouble(), value, 1e-6, "angle_tau20_scores from floats");
        double[] widened = new double[gradient.length];
        for (int i = 0; i < gradient.length; i++) widened[i] = gradient[i];
        assertCloseToScale(fixture.doubles("grad.angle_tau20_scores"), widened, 1e-6, "grad.angle_tau20_scores from floats");
    }
}
