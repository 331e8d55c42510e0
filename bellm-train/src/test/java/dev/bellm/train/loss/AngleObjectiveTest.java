package dev.bellm.train.loss;

import dev.bellm.SharedData;
import static dev.bellm.train.loss.LossTestSupport.assertCloseToScale;
import static dev.bellm.train.loss.LossTestSupport.assertRelative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bellm.train.loss.AngleObjective.Layout;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The weighted AnglE objective: its composition against the fixture's single-loss cases, its presets, its layouts. */
@SharedData
class AngleObjectiveTest {
    private static final double TOLERANCE = LossFixtureTest.FLOAT64_TOLERANCE;
    private final LossFixture fixture = LossFixture.get();

    @Test
    void defaultsAreTheCombinationTheGradientCheckFixtureNames() {
        // cases.json gradient_check.loss: "cosine_loss(tau=20) + in_batch_negative_loss(tau=20) + angle_loss(tau=20), zigzag rows"
        String stated = fixture.cases.get("gradient_check").get("loss").asText();
        Matcher term = Pattern.compile("(\\w+)_loss\\(tau=([0-9.]+)\\)").matcher(stated);
        Map<String, Double> taus = new HashMap<>();
        while (term.find()) taus.put(term.group(1), Double.parseDouble(term.group(2)));
        assertEquals(Map.of("cosine", 20.0, "in_batch_negative", 20.0, "angle", 20.0), taus, stated);
        assertTrue(stated.contains("zigzag rows"), stated);

        AngleObjective defaults = AngleObjective.defaults();
        assertEquals(new AngleObjective(1, taus.get("cosine"), 1, taus.get("in_batch_negative"), 1, taus.get("angle"),
                Layout.PAIRS), defaults);
    }

    @Test
    void presetsCarryTheirSourcesWeightsAndTaus() {
        assertEquals(new AngleObjective(1, 20, 1, 20, 1, 1, Layout.PAIRS), AngleObjective.angleEmbOriginal());
        assertEquals(new AngleObjective(0, 20, 20, 20, 1, 20, Layout.PAIRS), AngleObjective.angleEmbIbnWeighted());
        assertEquals(new AngleObjective(0, 20, 1, 20, 0, 20, Layout.TRIPLETS), AngleObjective.bellmReadmeNli());
    }

    @Test
    void cosinePlusInBatchNegativesIsTheSumOfTheirFixtureCases() {
        assertWeightedSum(new AngleObjective(1, 20, 1, 20, 0, 20, Layout.PAIRS), fixture.binaryLabels,
                Map.of("cosine_tau20_binary", 1.0, "ibn_tau20_binary", 1.0));
    }

    @Test
    void weightsScaleEachTerm() {
        assertWeightedSum(new AngleObjective(2, 20, 0.25, 20, 0, 20, Layout.PAIRS), fixture.binaryLabels,
                Map.of("cosine_tau20_binary", 2.0, "ibn_tau20_binary", 0.25));
    }

    @Test
    void cosinePlusAngleOnGradedScores() {
        assertWeightedSum(new AngleObjective(1, 20, 0, 20, 3, 1, Layout.PAIRS), fixture.scoreLabels,
                Map.of("cosine_tau20_scores", 1.0, "angle_tau1_scores", 3.0));
    }

    @Test
    void defaultsRefuseGradedScoresBecauseInBatchNegativesNeedBinaryLabels() {
        var e = assertThrows(IllegalArgumentException.class, () -> AngleObjective.defaults()
                .forward(fixture.embeddings, fixture.rows, fixture.dim, fixture.scoreLabels, null));
        assertTrue(e.getMessage().contains("binary labels"), e.getMessage());
    }

    @Test
    void bellmReadmeObjectiveIsTheContrastiveFixtureCase() {
        String name = "contrastive_with_negative_tau20";
        double[] gradient = new double[fixture.triplets.length];
        double value = AngleObjective.bellmReadmeNli().forward(fixture.triplets, fixture.tripletRows, fixture.dim, null, gradient);
        assertRelative(fixture.value(name), value, TOLERANCE, name);
        assertCloseToScale(fixture.tripletGradient(name), gradient, TOLERANCE, "grad." + name);
    }

    @Test
    void tripletsRankTextPositivePairsAboveTextNegativePairs() {
        // t = p = e1, n = e2. contrastive: the positive at τ against the negative at 0, log(1 + e^−τ).
        // cosine: (t, p) labelled 1 has s = τ, (t, n) labelled 0 has s = 0: log(1 + e^(0 − τ)).
        // angle: z = 1 against w = 1 and against w = i both give |Σre + Σim| = 1, a tie: log(1 + e^0) = log 2.
        double[] x = {1, 0, 1, 0, 0, 1};
        double value = new AngleObjective(1, 20, 1, 20, 1, 20, Layout.TRIPLETS).forward(x, 3, 2, null, null);
        assertEquals(2 * Math.log1p(Math.exp(-20)) + Math.log(2), value, 1e-12);
    }

    @Test
    void objectiveRefusesMeaninglessWeightsAndTaus() {
        var allZero = assertThrows(IllegalArgumentException.class, () -> new AngleObjective(0, 20, 0, 20, 0, 20, Layout.PAIRS));
        assertTrue(allZero.getMessage().contains("every weight is 0"), allZero.getMessage());
        var negative = assertThrows(IllegalArgumentException.class, () -> new AngleObjective(1, 20, -1, 20, 1, 20, Layout.PAIRS));
        assertTrue(negative.getMessage().contains("ibnWeight must be finite and ≥ 0"), negative.getMessage());
        var tau = assertThrows(IllegalArgumentException.class, () -> new AngleObjective(1, 20, 1, 20, 1, Double.NaN, Layout.PAIRS));
        assertTrue(tau.getMessage().contains("angle term: tau must be positive"), tau.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AngleObjective(1, 20, 1, 20, 1, 20, null));
        var triplets = assertThrows(IllegalArgumentException.class,
                () -> AngleObjective.bellmReadmeNli().forward(new double[8], 4, 2, null, null));
        assertTrue(triplets.getMessage().contains("not a whole number of triplets"), triplets.getMessage());
    }

    /** The objective's value and gradient equal the weighted sum of the named fixture cases. */
    private void assertWeightedSum(AngleObjective objective, float[] labels, Map<String, Double> weightedCases) {
        double expectedValue = 0;
        double[] expectedGradient = new double[fixture.embeddings.length];
        for (var entry : weightedCases.entrySet()) {
            expectedValue += entry.getValue() * fixture.value(entry.getKey());
            double[] caseGradient = fixture.gradient(entry.getKey());
            for (int i = 0; i < caseGradient.length; i++) expectedGradient[i] += entry.getValue() * caseGradient[i];
        }
        double[] gradient = new double[fixture.embeddings.length];
        double value = objective.forward(fixture.embeddings, fixture.rows, fixture.dim, labels, gradient);
        assertRelative(expectedValue, value, TOLERANCE, objective.toString());
        assertCloseToScale(expectedGradient, gradient, TOLERANCE, objective + " gradient");
    }
}
