package dev.bellm.eval;

/**
 * One retrieval task, metrics ×100 averaged over the queries that have at least one relevant document.
 *
 * @param ndcgAt10            mean nDCG@10 (the main score, as in MTEB)
 * @param mrrAt10             mean reciprocal rank of the first relevant document within the top 10
 * @param recallAt100         mean fraction of a query's relevant documents within the top 100
 * @param queries             queries scored
 * @param corpus              documents searched
 * @param relevantPairs       (query, relevant document) pairs
 * @param queriesWithoutRelevant queries left out because none of their documents is relevant
 * @param split               the split the pairs come from
 */
public record RetrievalResult(double ndcgAt10, double mrrAt10, double recallAt100, int queries, int corpus, int relevantPairs,
                              int queriesWithoutRelevant, String split) implements TaskResult {
    @Override
    public double mainScore() {
        return ndcgAt10;
    }
}
