package dev.bellm.embed;

import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.kernels.VectorSupport;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * A BeLLM sentence encoder: prompt → tokens → decoder (layers from {@code bidirectionalFrom} on attend both
 * ways) → pooling → optional L2 normalisation. Safe to call from many threads at once.
 *
 * <pre>{@code
 * Embedder e = Embedder.builder().model(Path.of("Llama-2-7b-hf")).adapter(Path.of("bellm-adapter"))
 *         .bidirectionalFrom(31).pooling(Pooling.LAST).prompt(Embedder.BELLM_PROMPT).build();
 * float[][] vectors = e.embed(List.of("A man is playing a guitar.")).vectors();
 * }</pre>
 */
public final class Embedder {
    /** The prompt of the BeLLM paper and its released model. */
    public static final String BELLM_PROMPT = "The representative word for sentence {text} is:\"";
    /**
     * The longest input accepted unless {@link Builder#maxTokens} says otherwise (or the model's
     * max_position_embeddings is smaller): attention is quadratic, and a config claiming 131072 positions should not
     * make one stray 100k-token line run for minutes.
     */
    public static final int DEFAULT_MAX_TOKENS = 8192;

    /** What to do with a text longer than {@code maxTokens}. */
    public enum Truncation {
        /** Refuse it with an error naming the text's index and length. */
        ERROR,
        /** Keep its first {@code maxTokens} tokens, and count it in {@link Embeddings#truncated()}. */
        KEEP_START
    }

    /** Embeddings in input order, the token count each text had (after truncation), and how many were truncated. */
    public record Embeddings(float[][] vectors, int[] tokenCounts, int truncated) {}

    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final int bidirectionalFrom;
    private final Pooling pooling;
    private final String prompt;
    private final boolean normalize;
    private final int batchSize;
    private final int maxTokens;
    private final Truncation truncation;
    /** What produced the vectors, named when one is not finite. */
    private final Object source;
    /** The prompt's tokens before the text, computed once (null: no prompt, or reuse turned off). */
    private final Transformer.PromptPrefix promptPrefix;
    /** Whether prompts' shared prefixes are computed once (kept for {@link #withPrompt}). */
    private final boolean reusePromptPrefix;

    private Embedder(Builder b) {
        this.transformer = b.transformer;
        this.tokenizer = b.tokenizer;
        this.bidirectionalFrom = b.bidirectionalFrom;
        this.pooling = b.pooling;
        this.prompt = b.prompt;
        this.normalize = b.normalize;
        this.batchSize = b.batchSize;
        this.maxTokens = b.maxTokens;
        this.truncation = b.truncation;
        this.source = b.modelPath != null ? b.modelPath : transformer.config().architecture();
        this.reusePromptPrefix = b.reusePromptPrefix;
        this.promptPrefix = reusePromptPrefix && prompt != null ? sharedPrefix() : null;
    }

    private Embedder(Embedder base, String prompt) {
        this.transformer = base.transformer;
        this.tokenizer = base.tokenizer;
        this.bidirectionalFrom = base.bidirectionalFrom;
        this.pooling = base.pooling;
        this.prompt = prompt;
        this.normalize = base.normalize;
        this.batchSize = base.batchSize;
        this.maxTokens = base.maxTokens;
        this.truncation = base.truncation;
        this.source = base.source;
        this.reusePromptPrefix = base.reusePromptPrefix;
        this.promptPrefix = reusePromptPrefix && prompt != null ? sharedPrefix() : null;
    }

    /**
     * This encoder with another prompt template (null: the plain text), sharing its weights, tokenizer and
     * kernels: one model loaded once can embed queries and documents with their own prompts.
     */
    public Embedder withPrompt(String template) {
        if (template != null && !template.contains("{text}")) throw new IllegalArgumentException("prompt template must contain {text}: " + template);
        return new Embedder(this, template);
    }

    /** The prompt template, or null when texts are embedded as they are. */
    public String prompt() {
        return prompt;
    }

    /** The tokens every prompted text starts with (those two different texts share), run through the model once. */
    private Transformer.PromptPrefix sharedPrefix() {
        int[] a = tokenize("a"), z = tokenize("Z 9");
        int n = Arrays.mismatch(a, z);
        if (n < 0) n = Math.min(a.length, z.length);
        n = Math.min(n, Math.min(a.length, z.length) - 1);
        return n <= 0 ? null : transformer.prefix(Arrays.copyOf(a, n), bidirectionalFrom);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int dimension() {
        return transformer.config().hiddenSize();
    }

    /** The text as the model sees it: the prompt with {@code {text}} replaced, or the text itself. */
    public String applyPrompt(String text) {
        return prompt == null ? text : prompt.replace("{text}", text);
    }

    /** Token ids of one text as the model sees it (prompt applied, BOS as the tokenizer adds it), before truncation. */
    public int[] tokenize(String text) {
        return tokenizer.encode(applyPrompt(Objects.requireNonNull(text, "text is null")));
    }

    public float[] embed(String text) {
        return embed(List.of(text)).vectors()[0];
    }

    public Embeddings embed(List<String> texts) {
        return embed(texts, done -> {});
    }

    /** Embeds {@code texts} in batches of {@code batchSize}; {@code progress} receives the number of texts done so far. */
    public Embeddings embed(List<String> texts, IntConsumer progress) {
        int n = texts.size();
        int[][] ids = new int[n][];
        int truncated = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = tokenize(texts.get(i));
            if (ids[i].length == 0) throw new IllegalArgumentException("text " + i + " gives no tokens");
            if (ids[i].length > maxTokens) {
                if (truncation == Truncation.ERROR) {
                    throw new IllegalArgumentException("text " + i + " has " + ids[i].length + " tokens, more than the limit of "
                            + maxTokens + "; raise maxTokens or choose truncation KEEP_START");
                }
                ids[i] = Arrays.copyOf(ids[i], maxTokens);
                truncated++;
            }
        }
        float[][] vectors = new float[n][];
        int[] counts = new int[n];
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            float[][] pooled = embedTokens(Arrays.copyOfRange(ids, start, end));
            NonFiniteEmbeddingException.requireFinite(pooled, source, start);
            for (int i = start; i < end; i++) {
                vectors[i] = pooled[i - start];
                counts[i] = ids[i].length;
            }
            progress.accept(end);
        }
        return new Embeddings(vectors, counts, truncated);
    }

    /** Pooled (and, if asked, normalised) embeddings of already tokenized sequences, computed as one packed batch. */
    public float[][] embedTokens(int[][] sequences) {
        Batch batch = Batch.of(sequences);
        float[] hidden = promptPrefix != null && Arrays.stream(sequences).allMatch(promptPrefix::prefixes)
                ? transformer.hiddenStates(suffixes(sequences, promptPrefix.length()), promptPrefix) // same bits, less work
                : transformer.hiddenStates(batch, bidirectionalFrom);
        float[][] pooled = pooling.pool(hidden, batch, dimension());
        if (normalize) for (float[] v : pooled) Pooling.normalize(v);
        return pooled;
    }

    private static Batch suffixes(int[][] sequences, int from) {
        int[][] out = new int[sequences.length][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(sequences[i], from, sequences[i].length);
        return Batch.of(out);
    }

    /** Builder with the defaults of the BeLLM paper where it has one: last-token pooling, no normalisation. */
    public static final class Builder {
        private Path modelPath;
        private Path tokenizerPath;
        private Path adapterPath;
        private ModelWeights weights;
        private Tokenizer tokenizer;
        private Transformer transformer;
        private Integer bidirectionalFromSetting;
        private int bidirectionalFrom = Transformer.CAUSAL;
        private Pooling pooling = Pooling.LAST;
        private String prompt;
        private boolean normalize;
        private int batchSize = 32;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Kernels kernels;
        private boolean reusePromptPrefix = true;
        private Integer maxTokensSetting;
        private int maxTokens;
        private Truncation truncation = Truncation.ERROR;

        /** A Hugging Face directory or a llama2.c {@code .bin}. */
        public Builder model(Path path) {
            this.modelPath = path;
            return this;
        }

        /** Tokenizer file for a llama2.c model; defaults to the {@code tok*.bin} beside it. */
        public Builder tokenizer(Path path) {
            this.tokenizerPath = path;
            return this;
        }

        /** A PEFT LoRA adapter directory to apply to the model. */
        public Builder adapter(Path dir) {
            this.adapterPath = dir;
            return this;
        }

        /** Already loaded weights and tokenizer (instead of {@link #model(Path)}). */
        public Builder model(ModelWeights weights, Tokenizer tokenizer) {
            this.weights = weights;
            this.tokenizer = tokenizer;
            return this;
        }

        /** Layers {@code l >= from} attend bidirectionally; {@code numLayers} or more keeps every layer causal. */
        public Builder bidirectionalFrom(int from) {
            this.bidirectionalFromSetting = from;
            return this;
        }

        public Builder causal() {
            this.bidirectionalFromSetting = null;
            return this;
        }

        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /** A template containing {@code {text}}, or null for the plain text. */
        public Builder prompt(String template) {
            this.prompt = template;
            return this;
        }

        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Texts per forward pass (they are packed without padding). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Whether the prompt's tokens before the text are computed once and reused by every text (default true):
         * the same embeddings, bit for bit with the Java kernels, for less work in the causal layers. The prefix is
         * computed by {@link #build()} from the weights as they are then: an embedder over weights that change later
         * (adapters being trained) must turn this off.
         */
        public Builder reusePromptPrefix(boolean reuse) {
            this.reusePromptPrefix = reuse;
            return this;
        }

        /** Compute kernels to share between embedders (instead of a new pool of {@link #threads(int)}). */
        public Builder kernels(Kernels kernels) {
            this.kernels = kernels;
            return this;
        }

        /**
         * Longest accepted input in tokens, prompt included; defaults to {@link #DEFAULT_MAX_TOKENS} or the model's
         * max_position_embeddings, whichever is smaller.
         */
        public Builder maxTokens(int maxTokens) {
            this.maxTokensSetting = maxTokens;
            return this;
        }

        public Builder truncation(Truncation truncation) {
            this.truncation = Objects.requireNonNull(truncation);
            return this;
        }

        /**
         * Loads the model and checks the settings.
         *
         * @throws VectorSupport.MissingVectorModuleException when the JVM was started without
         *         {@code --add-modules jdk.incubator.vector} (the message gives the flags to add)
         */
        public Embedder build() {
            VectorSupport.require();
            if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
            if (prompt != null && !prompt.contains("{text}")) {
                throw new IllegalArgumentException("prompt template must contain {text}: " + prompt);
            }
            if (weights == null) {
                if (modelPath == null) throw new IllegalArgumentException("no model: call model(Path) or model(weights, tokenizer)");
                weights = ModelLoader.load(modelPath);
                tokenizer = Tokenizers.forModel(modelPath, tokenizerPath);
            }
            tokenizer.checkFits(weights.config().vocabSize(), modelPath != null ? modelPath : Path.of(weights.config().architecture()));
            if (adapterPath != null) weights = PeftAdapter.load(adapterPath).apply(weights);
            int layers = weights.config().numLayers();
            if (bidirectionalFromSetting != null) {
                if (bidirectionalFromSetting < 0) {
                    throw new IllegalArgumentException("bidirectionalFrom must be in [0, " + layers + "], got " + bidirectionalFromSetting);
                }
                bidirectionalFrom = bidirectionalFromSetting >= layers ? Transformer.CAUSAL : bidirectionalFromSetting;
            }
            maxTokens = maxTokensSetting != null ? maxTokensSetting
                    : Math.min(DEFAULT_MAX_TOKENS, weights.config().maxPositionEmbeddings());
            if (maxTokens <= 0) throw new IllegalArgumentException("maxTokens must be positive, got " + maxTokens);
            transformer = new Transformer(weights, kernels != null ? kernels : KernelProvider.select(threads));
            return new Embedder(this);
        }
    }

    /** The settings, for reports: every flag that changes the embedding. */
    public java.util.Map<String, Object> settings() {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("bidirectional_from", bidirectionalFrom == Transformer.CAUSAL ? null : bidirectionalFrom);
        m.put("pooling", pooling.toString());
        m.put("prompt", prompt);
        m.put("normalize", normalize);
        m.put("max_tokens", maxTokens);
        m.put("truncation", truncation.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    public int bidirectionalFrom() {
        return bidirectionalFrom;
    }

    public Pooling pooling() {
        return pooling;
    }
}
