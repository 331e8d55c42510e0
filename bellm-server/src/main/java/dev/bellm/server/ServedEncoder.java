package dev.bellm.server;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.io.PeftAdapter;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's one view of an {@link Embedder}: the base encoder and the adapters served beside it, each under its own
 * name and with its own recipe. Everything the server needs from the embedding API goes through here, so a change to
 * that API is adapted in this class alone.
 *
 * <p>Each adapter's recipe is what {@code bellm embed --model BASE --adapter DIR} resolves: the base folder's, then the
 * adapter folder's where it states one, then the caller's overrides (the serve command's flags). Adapters are applied
 * to the base's own weights ({@link PeftAdapter#apply}), so they share its matrices and one packed batch can mix them
 * ({@link Batch#withAdapters}). The forward pass is shared only by sequences whose recipes attend alike; pooling,
 * the prompt's skipped tokens, dense heads, normalisation and the Matryoshka cut are per sequence after it.
 */
public final class ServedEncoder {
    private static final Logger log = LoggerFactory.getLogger(ServedEncoder.class);

    /**
     * A name a request can give as {@code model}: the base ({@code adapter} null) or the base with one adapter, and
     * the encoder of its recipe (sharing the base's tokenizer and kernels), which finishes its vectors.
     */
    public record Model(String name, ModelWeights adapter, Embedder encoder) {}

    private final Embedder base;
    private final Map<String, Model> models = new LinkedHashMap<>();
    private final String baseName;

    /** {@link #ServedEncoder(Embedder, String, Map, EncoderSpec.Builder)} with no overrides: an adapter's recipe wins. */
    public ServedEncoder(Embedder base, String baseName, Map<String, Path> adapters) {
        this(base, baseName, adapters, new EncoderSpec.Builder("served"));
    }

    /**
     * @param base      the encoder, built without an adapter
     * @param baseName  what requests call the base
     * @param adapters  adapter name to PEFT adapter directory
     * @param overrides settings that win over every adapter folder's recipe (the flags the base was built with)
     */
    public ServedEncoder(Embedder base, String baseName, Map<String, Path> adapters, EncoderSpec.Builder overrides) {
        this.base = base;
        this.baseName = baseName;
        models.put(baseName, new Model(baseName, null, base));
        ModelWeights weights = base.transformer().weights();
        for (var e : adapters.entrySet()) {
            if (models.containsKey(e.getKey())) throw new IllegalArgumentException("two served models are named '" + e.getKey() + "'");
            if (e.getKey().isBlank()) throw new IllegalArgumentException("an adapter needs a name (NAME=DIR), got '" + e.getKey() + "'");
            ModelWeights adapted = PeftAdapter.load(e.getValue()).apply(weights);
            EncoderSpec spec = base.spec().toBuilder().adapter(e.getValue())
                    .overlay(EncoderFolder.read(e.getValue()), notice -> log.info("{}: {}", e.getKey(), notice))
                    .overlay(overrides, notice -> {})
                    .build();
            Embedder encoder = Embedder.builder().model(adapted, base.tokenizer()).spec(spec).kernels(base.transformer().kernels()).build();
            models.put(e.getKey(), new Model(e.getKey(), adapted, encoder));
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

    /** Token ids of a text as the base sees it (default prompt applied), before any truncation. */
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
        return base.maxTokens();
    }

    public int dimension() {
        return base.dimension();
    }

    public Pooling pooling() {
        return base.pooling();
    }

    /** Each served model's resolved recipe ({@link EncoderSpec#describe} plus the token limit), for {@code /info}. */
    public Map<String, Map<String, Object>> recipes() {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        models.forEach((name, model) -> {
            Map<String, Object> r = model.encoder().settings();
            r.put("dimension", model.encoder().dimension());
            m.put(name, r);
        });
        return m;
    }

    public String dtype() {
        return base.transformer().weights().dtype().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Pooled embeddings (before dense heads, normalisation and cut: {@link Embedder#finish}) of token sequences, sequence
     * s under {@code models[s]}'s recipe with its first {@code skips[s]} tokens left out of a mean. Sequences whose
     * recipes attend alike run as one packed batch (each with its own LoRA); each vector equals what that model's
     * {@link Embedder} pools for the text alone.
     */
    public float[][] embed(int[][] sequences, Model[] models, int[] skips) {
        Map<AttentionLayers, List<Integer>> groups = new LinkedHashMap<>();
        for (int s = 0; s < sequences.length; s++) {
            groups.computeIfAbsent(models[s].encoder().attention(), a -> new ArrayList<>()).add(s);
        }
        float[][] out = new float[sequences.length][];
        for (var g : groups.entrySet()) forward(g.getKey(), g.getValue(), sequences, models, skips, out);
        return out;
    }

    private void forward(AttentionLayers attention, List<Integer> members, int[][] sequences, Model[] models, int[] skips, float[][] out) {
        int n = members.size();
        int[][] seqs = new int[n][];
        ModelWeights[] adapters = new ModelWeights[n];
        int[] skip = new int[n];
        boolean anyAdapter = false;
        for (int i = 0; i < n; i++) {
            int s = members.get(i);
            seqs[i] = sequences[s];
            adapters[i] = models[s].adapter();
            skip[i] = skips[s];
            anyAdapter |= adapters[i] != null;
        }
        Batch batch = anyAdapter ? Batch.of(seqs).withAdapters(adapters) : Batch.of(seqs); // only the base: no LoRA bookkeeping
        float[] hidden = base.transformer().hiddenStates(batch, attention);
        int width = base.transformer().config().hiddenSize();
        Map<Pooling, float[][]> pooled = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Pooling p = models[members.get(i)].encoder().pooling();
            out[members.get(i)] = pooled.computeIfAbsent(p, q -> q.pool(hidden, batch, width, skip))[i];
        }
    }

    /** L2 normalisation as {@link Embedder} applies it. */
    public static void normalize(float[] v) {
        Pooling.normalize(v);
    }
}
