package dev.bellm.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Semantic textual similarity as SentEval / SimCSE / PromptEOL / BeLLM evaluate it: the cosine of the two
 * sentence embeddings against the gold score, Spearman ×100. STS12–16 use the "all" setting (the pairs of
 * every subset concatenated into one correlation); STS-B and SICK-R use their test split. Every unique
 * sentence of the selected tasks is embedded once.
 */
public final class StsEvaluator {
    private final Path dataDir;
    private final StsOptions options;

    /** @param dataDir the folder holding {@code sts/} (see {@link DataFiles#defaultDataDir()}) */
    public StsEvaluator(Path dataDir, StsOptions options) {
        this.dataDir = DataFiles.requireDirectory(dataDir);
        this.options = options;
    }

    /** Reads every selected task (so a missing file fails before any embedding), embeds, and scores. */
    public EvalResults evaluate(SentenceEncoder encoder, String model, Map<String, Object> settings, ProgressListener progress) {
        Map<StsTask, List<ScoredPair>> pairsByTask = new LinkedHashMap<>();
        List<String> sentences = new ArrayList<>();
        for (StsTask task : options.tasks()) {
            List<ScoredPair> pairs = prepare(task.load(dataDir, splitOf(task)));
            pairsByTask.put(task, pairs);
            for (ScoredPair p : pairs) {
                sentences.add(p.first());
                sentences.add(p.second());
            }
        }
        SentenceEmbeddings embeddings = SentenceEmbeddings.encode(encoder, sentences, options.chunkSize(), progress);
        Map<String, TaskResult> results = new LinkedHashMap<>();
        pairsByTask.forEach((task, pairs) -> results.put(task.resultName, score(task, splitOf(task), pairs, embeddings)));
        return new EvalResults(model, settings, protocol(embeddings), results);
    }

    private String splitOf(StsTask task) {
        return task == StsTask.STSB ? options.stsbSplit() : task.splits().getFirst();
    }

    private List<ScoredPair> prepare(List<ScoredPair> pairs) {
        boolean period = options.appendPeriod();
        return pairs.stream().map(p -> new ScoredPair(p.subset(), SentenceText.prepare(p.first(), period),
                SentenceText.prepare(p.second(), period), p.score())).toList();
    }

    /** The cosine similarity of each pair's two embeddings. */
    static double[] cosines(List<ScoredPair> pairs, SentenceEmbeddings embeddings) {
        double[] cos = new double[pairs.size()];
        for (int i = 0; i < cos.length; i++) {
            cos[i] = SentenceEmbeddings.cosine(embeddings.get(pairs.get(i).first()), embeddings.get(pairs.get(i).second()));
        }
        return cos;
    }

    static StsResult score(StsTask task, String split, List<ScoredPair> pairs, SentenceEmbeddings embeddings) {
        CorrelationScores all = correlate(pairs, embeddings);
        Map<String, CorrelationScores> subsets = new LinkedHashMap<>();
        CorrelationScores weightedMean = null;
        if (task.hasSubsets()) {
            double spearmanSum = 0, pearsonSum = 0;
            for (String subset : task.subsets) {
                CorrelationScores s = correlate(pairs.stream().filter(p -> p.subset().equals(subset)).toList(), embeddings);
                subsets.put(subset, s);
                spearmanSum += s.spearman() * s.pairs();
                pearsonSum += s.pearson() * s.pairs();
            }
            weightedMean = new CorrelationScores(spearmanSum / all.pairs(), pearsonSum / all.pairs(), all.pairs());
        }
        return new StsResult(all.spearman(), all.pearson(), all.pairs(), split, subsets, weightedMean);
    }

    private static CorrelationScores correlate(List<ScoredPair> pairs, SentenceEmbeddings embeddings) {
        double[] predicted = cosines(pairs, embeddings);
        double[] gold = pairs.stream().mapToDouble(ScoredPair::score).toArray();
        return new CorrelationScores(100 * Statistics.spearman(predicted, gold), 100 * Statistics.pearson(predicted, gold),
                pairs.size());
    }

    private Map<String, Object> protocol(SentenceEmbeddings embeddings) {
        Map<String, Object> splits = new LinkedHashMap<>();
        for (StsTask task : options.tasks()) splits.put(task.resultName, splitOf(task));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("evaluation", "STS (SentEval / SimCSE / PromptEOL / BeLLM protocol)");
        p.put("similarity", "cosine of the two sentence embeddings");
        p.put("score", "Spearman correlation with the gold scores x100 (tied values share their average rank);"
                + " Pearson x100 also given");
        p.put("sts12_16", "'all' setting: the pairs of every subset concatenated into one correlation; each subset's"
                + " correlations and their mean weighted by pair count are listed too");
        p.put("gold", "pairs whose gold-score line is empty are not scored and are skipped");
        p.put("splits", splits);
        p.put("text", "whitespace runs collapsed to one space and ends trimmed (SentEval's split and join);"
                + " an empty sentence becomes '.'");
        p.put("append_period", options.appendPeriod());
        p.put("append_period_rule", "when true, '.' is appended to every sentence not ending in ASCII punctuation"
                + " (Python's string.punctuation)");
        p.put("unique_sentences", embeddings.size());
        p.put("embedding_dim", embeddings.dimension());
        p.put("chunk_size", options.chunkSize());
        p.put("avg", "mean of the tasks' Spearman x100");
        return p;
    }
}
