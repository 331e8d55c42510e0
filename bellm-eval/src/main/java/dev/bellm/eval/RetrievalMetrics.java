package dev.bellm.eval;

import java.util.Arrays;
import java.util.Set;

/**
 * nDCG@k, MRR@k and Recall@k of one ranked query with binary relevance, as MTEB (pytrec_eval) defines them, made
 * <b>tie-aware</b> (McSherry &amp; Najork, ECIR 2008): documents with equal scores form a group whose members are
 * equally likely to come in any order, and every metric is its expected value over those orders. A fixed
 * tie-break (by id, as trec_eval does) would let a degenerate encoder that gives every document the same score
 * look good or bad depending only on the corpus order; the expectation does not.
 *
 * <ul>
 *   <li>{@code DCG@k = Σ_{i<k} rel_i / log2(i + 2)} over 0-based rank i, {@code IDCG@k} the same for all relevant
 *       documents ranked first, {@code nDCG@k = DCG@k / IDCG@k};
 *   <li>{@code RR@k = 1 / (1 + rank of the first relevant document)} when that rank is below k, else 0;
 *   <li>{@code Recall@k = |relevant ∩ top k| / |relevant|}.
 * </ul>
 * A tie group at ranks [a, a + g) holding r relevant documents adds {@code (r/g)·Σ_{i=a}^{min(a+g,k)−1} 1/log2(i+2)}
 * to DCG and {@code r·|[a, a+g) ∩ [0, k)|/g} to the relevant count in the top k; the first relevant document
 * of the first group holding any is at offset j with probability {@code C(g−1−j, r−1)/C(g, r)}.
 */
public final class RetrievalMetrics {
    private RetrievalMetrics() {}

    /** The three metrics of one query, each on 0–1. */
    public record QueryScores(double ndcg, double mrr, double recall) {}

    /**
     * The metrics of one query, given every candidate document's score ({@code scores[d]} for document d) and the
     * relevant documents. {@code ndcgK} and {@code mrrK} rank cut-offs, {@code recallK} that of recall.
     *
     * @throws IllegalArgumentException when {@code relevant} is empty (the metrics are undefined: callers leave such
     *                                  queries out and count them), names a document outside the scores, or a score
     *                                  is not finite
     */
    public static QueryScores score(double[] scores, Set<Integer> relevant, int ndcgK, int mrrK, int recallK) {
        if (relevant.isEmpty()) throw new IllegalArgumentException("a query without relevant documents has no retrieval metrics");
        if (ndcgK <= 0 || mrrK <= 0 || recallK <= 0) throw new IllegalArgumentException("cut-offs must be positive");
        for (int d : relevant) {
            if (d < 0 || d >= scores.length) {
                throw new IllegalArgumentException("relevant document " + d + " is outside the " + scores.length + " scored ones");
            }
        }
        for (double s : scores) if (!Double.isFinite(s)) throw new IllegalArgumentException("non-finite score " + s);
        int depth = Math.min(scores.length, Math.max(ndcgK, Math.max(mrrK, recallK)));
        Integer[] ranked = topGroups(scores, depth);

        double dcg = 0, relevantInTop = 0, rr = 0;
        boolean firstFound = false;
        for (int a = 0; a < ranked.length; ) {
            int b = a;
            int r = 0;
            while (b < ranked.length && scores[ranked[b]] == scores[ranked[a]]) {
                if (relevant.contains(ranked[b])) r++;
                b++;
            }
            int g = b - a;
            if (r > 0) {
                double share = (double) r / g;
                for (int i = a; i < Math.min(b, ndcgK); i++) dcg += share / log2(i + 2);
                relevantInTop += share * Math.max(0, Math.min(b, recallK) - a);
                if (!firstFound) {
                    rr = expectedReciprocalRank(a, g, r, mrrK);
                    firstFound = true;
                }
            }
            a = b;
        }
        double idcg = 0;
        for (int i = 0; i < Math.min(relevant.size(), ndcgK); i++) idcg += 1 / log2(i + 2);
        return new QueryScores(dcg / idcg, rr, relevantInTop / relevant.size());
    }

    /** E[1/(1+rank)] of the first relevant document in a random order of a group at ranks [a, a+g) with r relevant. */
    private static double expectedReciprocalRank(int a, int g, int r, int k) {
        double p = (double) r / g; // P(first relevant at offset 0)
        double expected = 0;
        for (int j = 0; j <= g - r; j++) {
            if (a + j < k) expected += p / (a + j + 1);
            if (j < g - r) p *= (double) (g - j - r) / (g - j - 1);
        }
        return expected;
    }

    /**
     * The documents whose score is at least the {@code depth}-th largest, best first (equal scores adjacent), so
     * the top {@code depth} ranks and the whole tie group straddling the cut are all there.
     */
    private static Integer[] topGroups(double[] scores, int depth) {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double threshold = sorted[sorted.length - depth];
        Integer[] ranked = new Integer[countAtLeast(scores, threshold)];
        int n = 0;
        for (int d = 0; d < scores.length; d++) if (scores[d] >= threshold) ranked[n++] = d;
        Arrays.sort(ranked, (x, y) -> Double.compare(scores[y], scores[x]));
        return ranked;
    }

    private static int countAtLeast(double[] scores, double threshold) {
        int n = 0;
        for (double s : scores) if (s >= threshold) n++;
        return n;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
