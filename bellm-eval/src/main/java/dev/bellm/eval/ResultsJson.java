package dev.bellm.eval;

import dev.bellm.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes {@link EvalResults} as JSON:
 * <pre>{"model": ..., "settings": {...}, "protocol": {...},
 *  "tasks": {"STS12": {"spearman": 72.31, "pearson": ..., "pairs": 3108, "split": "test",
 *                      "subsets": {"MSRpar": {...}, ...}, "wmean": {...}}, ...,
 *            "MR": {"accuracy": ..., "dev_accuracy": ..., "sizes": {...}}},
 *  "avg": ...}</pre>
 * Scores are ×100 at full precision; an undefined score (NaN) is written as null. Also writes MTEB-style
 * per-task files. Every file is written to a temporary file and renamed into place, so a reader never sees half.
 */
public final class ResultsJson {
    private ResultsJson() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static String toJson(EvalResults results) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", results.model());
        root.set("settings", JSON.valueToTree(results.settings()));
        root.set("protocol", JSON.valueToTree(results.protocol()));
        ObjectNode tasks = root.putObject("tasks");
        results.tasks().forEach((name, result) -> tasks.set(name, taskNode(result)));
        putScore(root, "avg", results.avg());
        return write(root);
    }

    /** Writes {@link #toJson} to {@code file} atomically, creating its folder. */
    public static void write(Path file, EvalResults results) throws IOException {
        AtomicFiles.write(file, toJson(results).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One MTEB-style file per STS task in {@code dir} ({@code STS12.json}, ..., {@code STSBenchmark.json},
     * {@code SICK-R.json}): scores on 0–1 under {@code scores.<split>[0]} with {@code cosine_spearman},
     * {@code cosine_pearson} and {@code main_score} (= cosine_spearman); one per retrieval task
     * ({@code SNLIRetrieval.json}, {@code SICKRetrieval.json}) with {@code ndcg_at_10}, {@code mrr_at_10},
     * {@code recall_at_100} and {@code main_score} (= ndcg_at_10). Transfer tasks have no MTEB counterpart and are
     * skipped.
     */
    public static void writeMteb(Path dir, EvalResults results) throws IOException {
        for (RetrievalTask task : RetrievalTask.values()) {
            if (!(results.tasks().get(task.resultName) instanceof RetrievalResult r)) continue;
            ObjectNode score = JSON.createObjectNode();
            putScore(score, "ndcg_at_10", r.ndcgAt10() / 100);
            putScore(score, "mrr_at_10", r.mrrAt10() / 100);
            putScore(score, "recall_at_100", r.recallAt100() / 100);
            putScore(score, "main_score", r.ndcgAt10() / 100);
            writeMtebTask(dir, task.resultName, results.model(), r.split(), score);
        }
        for (StsTask task : StsTask.values()) {
            if (!(results.tasks().get(task.resultName) instanceof StsResult sts)) continue;
            ObjectNode score = JSON.createObjectNode();
            putScore(score, "cosine_spearman", sts.spearman() / 100);
            putScore(score, "cosine_pearson", sts.pearson() / 100);
            putScore(score, "main_score", sts.spearman() / 100);
            writeMtebTask(dir, task.mtebName, results.model(), sts.split(), score);
        }
    }

    private static void writeMtebTask(Path dir, String taskName, String model, String split, ObjectNode score) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("task_name", taskName);
        root.put("model_name", model);
        root.put("evaluated_by", "bellm (SentEval protocol), not the mteb package");
        score.put("hf_subset", "default");
        score.putArray("languages").add("eng-Latn");
        root.putObject("scores").putArray(mtebSplit(split)).add(score);
        AtomicFiles.write(dir.resolve(taskName + ".json"), write(root).getBytes(StandardCharsets.UTF_8));
    }

    private static String mtebSplit(String split) {
        return split.equals("dev") || split.equals("trial") ? "validation" : split;
    }

    private static ObjectNode taskNode(TaskResult result) {
        ObjectNode node = JSON.createObjectNode();
        switch (result) {
            case StsResult sts -> {
                putScore(node, "spearman", sts.spearman());
                putScore(node, "pearson", sts.pearson());
                node.put("pairs", sts.pairs());
                node.put("split", sts.split());
                if (!sts.subsets().isEmpty()) {
                    ObjectNode subsets = node.putObject("subsets");
                    sts.subsets().forEach((name, scores) -> subsets.set(name, correlationNode(scores)));
                }
                if (sts.weightedMean() != null) node.set("wmean", correlationNode(sts.weightedMean()));
            }
            case RetrievalResult r -> {
                putScore(node, "ndcg_at_10", r.ndcgAt10());
                putScore(node, "mrr_at_10", r.mrrAt10());
                putScore(node, "recall_at_100", r.recallAt100());
                node.put("queries", r.queries());
                node.put("corpus", r.corpus());
                node.put("relevant_pairs", r.relevantPairs());
                node.put("queries_without_relevant", r.queriesWithoutRelevant());
                node.put("split", r.split());
            }
            case TransferResult transfer -> {
                putScore(node, "accuracy", transfer.accuracy());
                putScore(node, "dev_accuracy", transfer.devAccuracy());
                ObjectNode sizes = node.putObject("sizes");
                for (Map.Entry<String, Integer> e : transfer.sizes().entrySet()) sizes.put(e.getKey(), e.getValue());
            }
        }
        return node;
    }

    private static ObjectNode correlationNode(CorrelationScores scores) {
        ObjectNode node = JSON.createObjectNode();
        putScore(node, "spearman", scores.spearman());
        putScore(node, "pearson", scores.pearson());
        node.put("pairs", scores.pairs());
        return node;
    }

    /** JSON has no NaN: an undefined correlation (constant predictions) is written as null. */
    private static void putScore(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) node.put(field, value);
        else node.putNull(field);
    }

    private static String write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot render results as JSON", e);
        }
    }

}
