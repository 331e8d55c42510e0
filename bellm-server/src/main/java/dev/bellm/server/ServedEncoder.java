package dev.bellm.server;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.PeftAdapter;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's one view of an {@link Embedder}: the base encoder and the adapters served beside it, each
 * under its own name. Everything the server needs from the embedding API goes through here, so a change to
 * that API is adapted in this class alone.
 *
 * <p>Adapters are applied to the base's own weights ({@link PeftAdapter#apply}), so they share its matrices and
 * one packed batch can mix them ({@link Batch#withAdapters}): the base weights are read once per batch and
 * each sequence adds its own adapter's LoRA delta. The recipe (prompt, bidirectional layers, pooling) is the
 * base's for every adapter.
 */
public final class ServedEncoder {
    /** A name a request can give as {@code model}: the base ({@code adapter} null) or the base with one adapter. */
    public record Model(String name, ModelWeights adapter) {}

    private final Embedder base;
    private final Map<String, Model> models = new LinkedHashMap<>();
    private final String baseName;

    /**
     * @param base     the encoder, built without an adapter
     * @param baseName what requests call the base
     * @param adapters adapter name to PEFT adapter directory
     */
    public ServedEncoder(Embedder base, String baseName, Map<String, Path> adapters) {
        this.base = base;
        this.baseName = baseName;
        models.put(baseName, new Model(baseName, null));
        ModelWeights weights = base.transformer().weights();
        for (var e : adapters.entrySet()) {
            if (models.containsKey(e.getKey())) throw new IllegalArgumentException("two served models are named '" + e.getKey() + "'");
            if (e.getKey().isBlank()) throw new IllegalArgumentException("an adapter needs a name (NAME=DIR), got '" + e.getKey() + "'");
            models.put(e.getKey(), new Model(e.getKey(), PeftAdapter.load(e.getValue()).apply(weights)));
        }
    }

    public String baseName() {
        return baseName;
    }

    public Optional<Model> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    /** The served names, the base first. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(models.keySet()));
    }

    /** Token ids of a text as the encoder sees it (prompt applied), before any truncation. */
    public int[] tokenize(String text) {
        return base.tokenize(text);
    }

    public String decode(int id) {
        return base.tokenizer().decode(new int[] {id});
    }

    public int vocabSize() {
        return base.transformer().config().vocabSize();
    }

    public int maxTokens() {
        return (Integer) base.settings().get("max_tokens");
    }

    public int dimension() {
        return base.dimension();
    }

    /** Whether {@code bellm embed} with the same flags would L2-normalise. */
    public boolean normalizes() {
        return Boolean.TRUE.equals(base.settings().get("normalize"));
    }

    public Pooling pooling() {
        return base.pooling();
    }

    /** The settings that decide the embedding, for {@code /info}. */
    public Map<String, Object> recipe() {
        return base.settings();
    }

    public String dtype() {
        return base.transformer().weights().dtype().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Pooled, not normalised, embeddings of token sequences computed as one packed batch, sequence s with the
     * LoRA of {@code adapters[s]} (null: the base). Each equals what {@link Embedder} gives that text alone.
     */
    public float[][] embed(int[][] sequences, ModelWeights[] adapters) {
        Batch batch = Batch.of(sequences);
        for (ModelWeights a : adapters) {
            if (a != null) { // only the base: the plain path, no per-sequence LoRA bookkeeping
                batch = batch.withAdapters(adapters);
                break;
            }
        }
        float[] hidden = base.transformer().hiddenStates(batch, base.bidirectionalFrom());
        return base.pooling().pool(hidden, batch, dimension());
    }

    /** L2 normalisation as {@link Embedder} applies it. */
    public static void normalize(float[] v) {
        Pooling.normalize(v);
    }
}
