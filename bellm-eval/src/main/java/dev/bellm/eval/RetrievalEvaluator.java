package dev.bellm.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retrieval on entailment pairs ({@link RetrievalTask}): every query and document embedded once, documents ranked
 * by cosine similarity to the query, nDCG@10, MRR@10 and Recall@100 ({@link RetrievalMetrics}, tie-aware) averaged
 * over the queries.
 */
public final class RetrievalEvaluator {
    private final Path dataDir;
    private final RetrievalOptions options;

    /** @param dataDir the folder holding {@code nli/} and {@code sts/SICK} (see {@link DataFiles#defaultDataDir()}) */
    public RetrievalEvaluator(Path dataDir, RetrievalOptions options) {
        this.dataDir = DataFiles.requireDirectory(dataDir);
        this.options = options;
    }

    /** Reads every selected task (so a missing file fails before any embedding), embeds, and scores. */
    public EvalResults evaluate(SentenceEncoder encoder, String model, Map<String, Object> settings, ProgressListener progress) {
        List<RetrievalTask.Dataset> datasets = new ArrayList<>();
        List<String> sentences = new ArrayList<>();
        for (RetrievalTask task : options.tasks()) {
            RetrievalTask.Dataset d = task.build(task.loadPairs(dataDir), t -> SentenceText.prepare(t, options.appendPeriod()));
            datasets.add(d);
            sentences.addAll(d.queries());
            sentences.addAll(d.corpus());
        }
        SentenceEmbeddings embeddings = SentenceEmbeddings.encode(encoder, sentences, options.chunkSize(), progress);
        Map<String, TaskResult> results = new LinkedHashMap<>();
        for (RetrievalTask.Dataset d : datasets) results.put(d.task().resultName, score(d, embeddings));
        return new EvalResults(model, settings, protocol(embeddings), results);
    }

    /** Ranks the corpus for every query of {@code data} and averages the metrics (×100). */
    static RetrievalResult score(RetrievalTask.Dataset data, SentenceEmbeddings embeddings) {
        double[][] docs = unitRows(data.corpus(), embeddings);
        Map<String, Integer> docIndex = new LinkedHashMap<>();
        for (int d = 0; d < data.corpus().size(); d++) docIndex.put(data.corpus().get(d), d);
        double ndcg = 0, mrr = 0, recall = 0;
        int relevantPairs = 0;
        for (int q = 0; q < data.queries().size(); q++) {
            double[] query = unit(embeddings.get(data.queries().get(q)));
            double[] scores = new double[docs.length];
            for (int d = 0; d < docs.length; d++) scores[d] = dot(query, docs[d]);
            Set<Integer> relevant = data.relevant().get(q);
            Integer self = docIndex.get(data.queries().get(q));
            if (self != null) { // a query never retrieves its own text: drop it from the ranking
                scores = withoutIndex(scores, self);
                relevant = shiftedPast(relevant, self);
            }
            RetrievalMetrics.QueryScores s = RetrievalMetrics.score(scores, relevant, RetrievalOptions.NDCG_K,
                    RetrievalOptions.MRR_K, RetrievalOptions.RECALL_K);
            ndcg += s.ndcg();
            mrr += s.mrr();
            recall += s.recall();
            relevantPairs += relevant.size();
        }
        int n = data.queries().size();
        if (n == 0) throw new IllegalStateException(data.task().cliName + ": no query has a relevant document");
        return new RetrievalResult(100 * ndcg / n, 100 * mrr / n, 100 * recall / n, n, data.corpus().size(), relevantPairs,
                data.queriesWithoutRelevant(), data.task().split);
    }

    private static double[][] unitRows(List<String> texts, SentenceEmbeddings embeddings) {
        double[][] rows = new double[texts.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = unit(embeddings.get(texts.get(i)));
        return rows;
    }

    /** {@code v / |v|} in double precision; a zero vector stays zero (cosine 0 with everything, as {@link SentenceEmbeddings#cosine}). */
    private static double[] unit(float[] v) {
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        double[] u = new double[v.length];
        for (int i = 0; i < v.length; i++) u[i] = v[i] * scale;
        return u;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] withoutIndex(double[] scores, int index) {
        double[] out = new double[scores.length - 1];
        System.arraycopy(scores, 0, out, 0, index);
        System.arraycopy(scores, index + 1, out, index, scores.length - index - 1);
        return out;
    }

    private static Set<Integer> shiftedPast(Set<Integer> relevant, int removed) {
        Set<Integer> out = new HashSet<>();
        for (int d : relevant) out.add(d > removed ? d - 1 : d);
        return out;
    }

    private Map<String, Object> protocol(SentenceEmbeddings embeddings) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("evaluation", "retrieval on entailment pairs: each premise a query, the hypotheses it entails its relevant"
                + " documents, every hypothesis of the split the corpus");
        p.put("tasks", "SNLIRetrieval: SNLI test (data/nli/*.test, '-' labels skipped); SICKRetrieval: SICK test"
                + " (sentence_A the query, sentence_B the document, ENTAILMENT relevant)");
        p.put("similarity", "cosine of the two sentence embeddings");
        p.put("metrics", "nDCG@10 (main score), MRR@10, Recall@100, binary relevance, x100, averaged over queries with"
                + " at least one relevant document");
        p.put("ties", "tie-aware (McSherry & Najork 2008): the expected value over every order of documents with equal scores");
        p.put("self_match", "a corpus text equal to the query's own text is left out of its ranking");
        p.put("note", "bellm train's built-in 'snli' set is SNLI dev+test: SNLIRetrieval is not held out for encoders"
                + " trained on it; SICKRetrieval is");
        p.put("append_period", options.appendPeriod());
        p.put("unique_sentences", embeddings.size());
        p.put("embedding_dim", embeddings.dimension());
        p.put("avg", "mean of the tasks' nDCG@10 x100");
        return p;
    }
}
