package dev.bellm.eval;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The metrics against values worked out by hand (the arithmetic is in each comment). */
class RetrievalMetricsTest {
    private static final double EPS = 1e-12;
    private static final double LOG2_3 = Math.log(3) / Math.log(2), LOG2_5 = Math.log(5) / Math.log(2);

    private static RetrievalMetrics.QueryScores score(double[] scores, Set<Integer> relevant) {
        return RetrievalMetrics.score(scores, relevant, 10, 10, 100);
    }

    @Test
    void distinctScoresFewerDocumentsThanTheCutOffs() {
        // ranking 0,1,2,3,4; relevant at ranks 1 and 3: DCG = 1/log2(3) + 1/log2(5), IDCG = 1 + 1/log2(3)
        var s = score(new double[] {0.9, 0.8, 0.7, 0.6, 0.5}, Set.of(1, 3));
        assertEquals(0.6509209298071326, s.ndcg(), EPS);
        assertEquals((1 / LOG2_3 + 1 / LOG2_5) / (1 + 1 / LOG2_3), s.ndcg(), EPS);
        assertEquals(0.5, s.mrr(), EPS);          // first relevant at rank 2
        assertEquals(1.0, s.recall(), EPS);       // 5 documents < 100: everything is retrieved
        assertEquals(0.5, RetrievalMetrics.score(new double[] {0.9, 0.8, 0.7, 0.6, 0.5}, Set.of(1, 3), 10, 10, 2).recall(), EPS);
    }

    @Test
    void theOrderOfTheScoresArrayDoesNotMatterOnlyTheScores() {
        var s = score(new double[] {0.6, 0.8, 0.5, 0.9, 0.7}, Set.of(1, 0)); // same ranks for the relevant ones as above
        assertEquals(0.6509209298071326, s.ndcg(), EPS);
        assertEquals(0.5, s.mrr(), EPS);
    }

    @Test
    void aTieGroupCountsEveryOrderEqually() {
        // ranks 0..2 tied, one relevant in them: each rank with probability 1/3
        // nDCG = (1 + 1/log2 3 + 1/2)/3 (IDCG 1); MRR = (1 + 1/2 + 1/3)/3; Recall@2 = 2/3
        for (int relevant = 0; relevant < 3; relevant++) {
            var s = RetrievalMetrics.score(new double[] {0.5, 0.5, 0.5, 0.1}, Set.of(relevant), 10, 10, 2);
            assertEquals(0.7103099178571526, s.ndcg(), EPS);
            assertEquals(11.0 / 18, s.mrr(), EPS);
            assertEquals(2.0 / 3, s.recall(), EPS);
        }
    }

    @Test
    void twoRelevantInOneTieGroup() {
        // all three tied, two relevant: the first relevant is at rank 1 w.p. 2/3 and rank 2 w.p. 1/3 → MRR = 2/3 + 1/6;
        // DCG = (2/3)(1 + 1/log2 3 + 1/2), IDCG = 1 + 1/log2 3
        var s = score(new double[] {0.3, 0.3, 0.3}, Set.of(0, 2));
        assertEquals(5.0 / 6, s.mrr(), EPS);
        assertEquals(0.8710490642551529, s.ndcg(), EPS);
        assertEquals(1.0, s.recall(), EPS);
    }

    @Test
    void aTieGroupAcrossTheCutOff() {
        // doc 0 first, then 4 tied at ranks 1..4 with 2 relevant; cut-off 3 keeps ranks 1, 2 of the group:
        // MRR@3: first relevant at offset j w.p. C(3-j,1)/C(4,2) = 3/6, 2/6, 1/6 → (3/6)(1/2) + (2/6)(1/3) + 0 = 13/36;
        // Recall@3 = 2·(2/4)/2 = 1/2; DCG@3 = (2/4)(1/log2 3 + 1/2), IDCG@3 = 1 + 1/log2 3
        var s = RetrievalMetrics.score(new double[] {0.9, 0.4, 0.4, 0.4, 0.4}, Set.of(2, 4), 3, 3, 3);
        assertEquals(13.0 / 36, s.mrr(), EPS);
        assertEquals(0.5, s.recall(), EPS);
        assertEquals(0.5 * (1 / LOG2_3 + 0.5) / (1 + 1 / LOG2_3), s.ndcg(), EPS);
    }

    @Test
    void aRelevantDocumentPastTheCutOffEarnsNothingButRecall() {
        double[] scores = new double[20];
        for (int d = 0; d < scores.length; d++) scores[d] = 1 - d * 0.01; // doc d at rank d
        var s = score(scores, Set.of(10));                                 // rank 11: outside the top 10
        assertEquals(0, s.ndcg(), EPS);
        assertEquals(0, s.mrr(), EPS);
        assertEquals(1, s.recall(), EPS);
    }

    @Test
    void perfectRankingScoresOne() {
        var s = score(new double[] {0.1, 0.99, 0.98, 0.2}, Set.of(1, 2));
        assertEquals(1, s.ndcg(), EPS);
        assertEquals(1, s.mrr(), EPS);
    }

    @Test
    void aQueryWithoutRelevantDocumentsHasNoMetrics() {
        assertThrows(IllegalArgumentException.class, () -> score(new double[] {0.1, 0.2}, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> score(new double[] {0.1, 0.2}, Set.of(2)));
        assertThrows(IllegalArgumentException.class, () -> score(new double[] {0.1, Double.NaN}, Set.of(0)));
    }
}
