package dev.bellm.experiments;

import dev.bellm.embed.Pooling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The turning-point rules on hand-made score lists. */
class SweepSummaryTest {
    private static final double NaN = Double.NaN;

    private static OptionalInt best(double... scoresFromKeyOne) {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (int i = 0; i < scoresFromKeyOne.length; i++) m.put(i + 1, scoresFromKeyOne[i]);
        return SweepSummary.bestKey(m);
    }

    @Test
    void bestKeyIsTheArgmaxWithTiesToTheSmallestKey() {
        assertEquals(OptionalInt.of(2), best(1, 3, 3, 2));
        assertEquals(OptionalInt.of(4), best(1, 2, 3, 4), "still rising: the deepest");
        assertEquals(OptionalInt.of(1), best(5, 5, 5));
        assertEquals(OptionalInt.of(2), best(-7, -3, -4), "negative scores");
    }

    @Test
    void undefinedScoresNeverWin() {
        assertEquals(OptionalInt.of(2), best(NaN, 0.1, NaN));
        assertEquals(OptionalInt.empty(), best(NaN, NaN));
        assertEquals(OptionalInt.empty(), best());
    }

    private static void add(List<SweepRow> rows, Pooling p, boolean trained, Map<Integer, Double> scoreByK) {
        scoreByK.forEach((k, s) -> rows.add(new SweepRow(new SweepConfig(SweepConfig.Kind.BIDIRECTIONAL, 4, k, p, trained),
                trained ? 10 : 0, s, 1)));
    }

    private static void addProbe(List<SweepRow> rows, Pooling p, double... scoreByDepth) {
        for (int n = 1; n <= scoreByDepth.length; n++) {
            rows.add(new SweepRow(new SweepConfig(SweepConfig.Kind.TRUNCATED, n, 0, p, false), 0, scoreByDepth[n - 1], 1));
        }
    }

    @Test
    void bestKPerPoolingAndStateAndTheRecommendationAmongTrainedRuns() {
        List<SweepRow> rows = new ArrayList<>();
        add(rows, Pooling.LAST, false, Map.of(0, 10.0, 1, 12.0, 2, 12.0, 3, 11.0, 4, 90.0));
        add(rows, Pooling.MEAN, false, Map.of(0, 50.0, 2, 60.0));
        add(rows, Pooling.MEAN, true, Map.of(0, 20.0, 2, 25.0, 3, 24.0));
        add(rows, Pooling.LAST, true, Map.of(0, 25.0, 1, 22.0));
        SweepSummary s = SweepSummary.of(4, rows);

        assertEquals(4, s.best().size());
        SweepSummary.Best lastFrozen = s.best().getFirst();
        assertEquals(Pooling.LAST, lastFrozen.pooling());
        assertFalse(lastFrozen.trained());
        assertEquals(4, lastFrozen.k());
        assertEquals(0, lastFrozen.bidirectionalFrom());
        assertEquals(10.0, lastFrozen.causalScore());
        SweepSummary.Best meanTrained = s.best().stream().filter(b -> b.pooling() == Pooling.MEAN && b.trained()).findFirst().orElseThrow();
        assertEquals(2, meanTrained.k());
        assertEquals(25.0, meanTrained.score());

        // trained runs decide even though frozen ones score higher; 25 = 25: the smaller k (0, last) wins
        SweepSummary.Best r = s.recommended();
        assertTrue(r.trained());
        assertEquals(0, r.k());
        assertEquals(Pooling.LAST, r.pooling());
        assertEquals(4, r.bidirectionalFrom(), "k = 0: causal");
    }

    @Test
    void equalScoresAtTheSameKRecommendLastBeforeMean() {
        List<SweepRow> rows = new ArrayList<>();
        add(rows, Pooling.MEAN, false, Map.of(1, 30.0));
        add(rows, Pooling.LAST, false, Map.of(1, 30.0, 2, 10.0));
        SweepSummary.Best r = SweepSummary.of(4, rows).recommended();
        assertEquals(Pooling.LAST, r.pooling());
        assertEquals(3, r.bidirectionalFrom());
        assertFalse(r.trained(), "nothing trained: among the frozen");
    }

    @Test
    void probeTurningPointIsWhereTheScoreStopsRising() {
        List<SweepRow> rows = new ArrayList<>();
        addProbe(rows, Pooling.LAST, 5, 8, 8, 6);
        addProbe(rows, Pooling.MEAN, 1, 2, 3, 4);
        SweepSummary s = SweepSummary.of(4, rows);
        SweepSummary.Turn last = s.probe().get(0), mean = s.probe().get(1);
        assertEquals(2, last.depth());
        assertTrue(last.turns());
        assertEquals(4, last.deepest());
        assertEquals(6, last.deepestScore());
        assertEquals(4, mean.depth());
        assertFalse(mean.turns());
        assertTrue(s.best().isEmpty());
        assertNull(s.recommended());
        assertEquals(List.of(
                "probe (last): turning point at depth 2: the score peaks there (8.00) and is 6.00 at depth 4",
                "probe (mean): no turning point: the score is highest at the deepest depth evaluated, 4 (4.00)"), s.lines());
    }

    @Test
    void allUndefinedScoresGiveNoTurningPoint() {
        List<SweepRow> rows = new ArrayList<>();
        addProbe(rows, Pooling.LAST, NaN, NaN);
        add(rows, Pooling.MEAN, false, Map.of(0, NaN));
        SweepSummary s = SweepSummary.of(4, rows);
        assertTrue(s.probe().isEmpty());
        assertTrue(s.best().isEmpty());
        assertNull(s.recommended());
    }
}
