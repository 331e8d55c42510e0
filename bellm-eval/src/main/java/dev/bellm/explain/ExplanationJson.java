package dev.bellm.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Explanations as JSON, one entry per encoder:
 * <pre>{"method": ..., "encoders": {"causal": {"similarity": 0.83, "baseline_similarity": ..., "attribution_sum": ...,
 *   "completeness_error": ..., "tolerance": ..., "steps": 64, "converged": true, "settings": {...},
 *   "a": {"text": ..., "tokens": [{"position": 0, "id": 1, "piece": "&lt;s&gt;", "in_sentence": false, "attribution": 0.0}, ...],
 *         "attention": {"4": [[[...query row...]...]...heads]}}, "b": {...}}, "bellm": {...}}}</pre>
 */
public final class ExplanationJson {
    private ExplanationJson() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code explanations} by encoder name, with the settings of each encoder. */
    public static void write(Path file, Map<String, SimilarityExplainer.Explanation> explanations,
                             Map<String, Map<String, Object>> settings) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("method", "integrated gradients of the cosine similarity along the input embedding rows; baseline: every"
                + " sentence token's row zero (prompt and BOS rows kept); trapezoidal rule, intervals doubled until"
                + " |sum of attributions - (similarity - baseline_similarity)| <= tolerance");
        ObjectNode encoders = root.putObject("encoders");
        explanations.forEach((name, e) -> {
            ObjectNode node = encoders.putObject(name);
            node.put("similarity", e.similarity());
            node.put("baseline_similarity", e.baselineSimilarity());
            node.put("attribution_sum", e.attributionSum());
            node.put("completeness_error", e.completenessError());
            node.put("tolerance", e.tolerance());
            node.put("steps", e.steps());
            node.put("converged", e.converged());
            node.set("settings", JSON.valueToTree(settings.getOrDefault(name, Map.of())));
            node.set("a", sequence(e.a()));
            node.set("b", sequence(e.b()));
        });
        AtomicFiles.write(file, (JSON.writeValueAsString(root) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static ObjectNode sequence(SimilarityExplainer.Sequence s) {
        ObjectNode node = JSON.createObjectNode();
        node.put("text", s.text());
        ArrayNode tokens = node.putArray("tokens");
        for (SimilarityExplainer.Token t : s.tokens()) {
            ObjectNode tn = tokens.addObject();
            tn.put("position", t.position());
            tn.put("id", t.id());
            tn.put("piece", t.piece());
            tn.put("in_sentence", t.inSentence());
            tn.put("attribution", t.attribution());
        }
        ObjectNode attention = node.putObject("attention");
        for (int i = 0; i < s.layers().size(); i++) attention.set(String.valueOf(s.layers().get(i)), JSON.valueToTree(s.attention()[i]));
        return node;
    }
}
