package dev.bellm.embed;

import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorSupport;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A sentence encoder running an {@link EncoderSpec}: prompt → tokens → decoder (each layer causal or bidirectional)
 * → pooling → dense heads → optional L2 normalisation → optional Matryoshka cut. Safe to call from many threads at
 * once; {@link #close} releases its compute threads and tokenizer.
 *
 * <pre>{@code
 * try (Embedder e = Embedder.load(Path.of("Qwen3-Embedding-0.6B"))) {          // the folder's own recipe
 *     float[][] queries = e.embed(List.of("What is BeLLM?"), "query").vectors();
 * }
 * Embedder bellm = Embedder.builder().model(Path.of("Llama-2-7b-hf")).adapter(Path.of("bellm-adapter"))
 *         .bidirectionalFrom(31).pooling(Pooling.LAST).prompt(Embedder.BELLM_PROMPT).build();
 * }</pre>
 */
public final class Embedder implements SentenceEncoder {
    /** The prompt of the BeLLM paper and its released model. */
    public static final String BELLM_PROMPT = "The representative word for sentence {text} is:\"";
    /**
     * The longest input accepted unless the recipe says otherwise (or the model's max_position_embeddings is smaller):
     * attention is quadratic, and a config claiming 131072 positions should not make one stray 100k-token line run
     * for minutes.
     */
    public static final int DEFAULT_MAX_TOKENS = 8192;

    /** What to do with a text longer than the token limit. */
    public enum Truncation {
        /** Refuse it ({@link TooManyTokensException}, naming the text's index and length). */
        ERROR,
        /**
         * Cut the text's own end so that the prompt around it and the special tokens (BOS, an appended EOS) all stay,
         * and count it in {@link Embeddings#truncated()}.
         */
        KEEP_START;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Embeddings in input order, the token count each text had (after truncation), and how many were truncated. */
    public record Embeddings(float[][] vectors, int[] tokenCounts, int truncated) {}

    private final EncoderSpec spec;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final int maxTokens;
    private final AutoCloseable ownedKernels;
    /** What produced the vectors, named when one is not finite. */
    private final Object source;
    /** Whether the tokens every prompted text starts with are run through the model once. */
    private final boolean reusePromptPrefix;
    /** Those shared prefixes, per prompt text, computed once (absent: none worth reusing). */
    private final Map<String, java.util.Optional<Transformer.PromptPrefix>> prefixes = new ConcurrentHashMap<>();
    /** Tokens left out of a mean for each prompt text (include_prompt false), computed once per prompt. */
    private final Map<String, Integer> promptLengths = new ConcurrentHashMap<>();

    private Embedder(EncoderSpec spec, Transformer transformer, Tokenizer tokenizer, int batchSize, AutoCloseable ownedKernels,
                     boolean reusePromptPrefix) {
        this.spec = spec;
        this.reusePromptPrefix = reusePromptPrefix;
        this.source = spec.model() != null ? spec.model() : transformer.config().architecture();
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.ownedKernels = ownedKernels;
        this.maxTokens = spec.maxTokens() != null ? spec.maxTokens()
                : Math.min(DEFAULT_MAX_TOKENS, transformer.config().maxPositionEmbeddings());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The encoder {@code model}'s folder describes (its sentence-transformers files and bellm's recipe), as published. */
    public static Embedder load(Path model) {
        return builder().model(model).build();
    }

    /** The encoder {@code spec} describes, exactly: the folders' own recipes are not read again. */
    public static Embedder of(EncoderSpec spec) {
        return builder().spec(spec).build();
    }

    @Override
    public EncoderSpec spec() {
        return spec;
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public AttentionLayers attention() {
        return spec.attention();
    }

    public Pooling pooling() {
        return spec.pooling();
    }

    /** The engine's form of the attention: the first bidirectional layer, or {@link Transformer#CAUSAL}. */
    public int bidirectionalFrom() {
        return spec.attention().engineFrom(transformer.config().numLayers());
    }

    /** The default prompt's text, or null when texts are embedded as they are. */
    public String prompt() {
        return spec.promptText(null);
    }

    /**
     * This encoder with another single prompt (null: the plain text), sharing its weights, tokenizer and kernels: one
     * model loaded once can embed queries and documents with their own prompts. (Named prompts of the recipe need no
     * copy: pass the name to {@link #embed(List, String)}.) The copy does not own the kernels; close this one.
     */
    public Embedder withPrompt(String template) {
        return new Embedder(spec.toBuilder().prompt(template).build(), transformer, tokenizer, batchSize, null, reusePromptPrefix);
    }

    /** Longest input in tokens, prompt and special tokens included. */
    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public int dimension() {
        return spec.outputDimension(transformer.config().hiddenSize());
    }

    /** The text as the model sees it under the default prompt. */
    public String applyPrompt(String text) {
        return EncoderSpec.applyPrompt(spec.promptText(null), text);
    }

    /** Token ids of one text under the default prompt (BOS/EOS as the tokenizer adds them), before truncation. */
    public int[] tokenize(String text) {
        return tokenize(text, null);
    }

    /**
     * Token ids of text {@code index} under {@code promptName} as the model will see them: cut per the recipe's
     * truncation when longer than {@link #maxTokens()}.
     */
    public int[] tokens(String text, String promptName, int index) {
        return encodeFitting(Objects.requireNonNull(text, "text " + index + " is null"), spec.promptText(promptName), index).ids();
    }

    public float[] embed(String text) {
        return embed(List.of(text)).vectors()[0];
    }

    public Embeddings embed(List<String> texts) {
        return embed(texts, null, null, done -> {});
    }

    public Embeddings embed(List<String> texts, String promptName) {
        return embed(texts, promptName, null, done -> {});
    }

    public Embeddings embed(List<String> texts, IntConsumer progress) {
        return embed(texts, null, null, progress);
    }

    @Override
    public float[][] encode(List<String> texts, String promptName, Integer dimensions) {
        return embed(texts, promptName, dimensions, done -> {}).vectors();
    }

    /**
     * Embeds {@code texts} under {@code promptName} (null: the default prompt), cut to {@code dimensions} (null: the
     * recipe's), in batches; {@code progress} receives the number of texts done so far.
     */
    public Embeddings embed(List<String> texts, String promptName, Integer dimensions, IntConsumer progress) {
        int dims = outputDimension(dimensions);
        String prompt = spec.promptText(promptName);
        int skip = skipFor(prompt);
        int n = texts.size();
        int[][] ids = new int[n][];
        int truncated = 0;
        for (int i = 0; i < n; i++) {
            String text = Objects.requireNonNull(texts.get(i), "text " + i + " is null");
            Fitted fitted = encodeFitting(text, prompt, i);
            ids[i] = fitted.ids();
            if (ids[i].length <= skip) throw new EmptyTextException(i);
            if (fitted.cut()) truncated++;
        }
        float[][] vectors = new float[n][];
        int[] counts = new int[n];
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            int[] skips = new int[end - start];
            Arrays.fill(skips, skip);
            float[][] pooled = encodeTokens(Arrays.copyOfRange(ids, start, end), skips, dims, prefix(prompt));
            NonFiniteEmbeddingException.requireFinite(pooled, source, start);
            for (int i = start; i < end; i++) {
                vectors[i] = pooled[i - start];
                counts[i] = ids[i].length;
            }
            progress.accept(end);
        }
        return new Embeddings(vectors, counts, truncated);
    }

    /** Embeddings of already tokenized sequences (every token pooled), computed as one packed batch. */
    public float[][] embedTokens(int[][] sequences) {
        return encodeTokens(sequences, null, dimension(), null);
    }

    private float[][] encodeTokens(int[][] sequences, int[] skip, int dims, Transformer.PromptPrefix prefix) {
        Batch batch = Batch.of(sequences);
        float[] hidden = prefix != null && Arrays.stream(sequences).allMatch(prefix::prefixes)
                ? transformer.hiddenStates(suffixes(sequences, prefix.length()), prefix) // same bits, less work
                : transformer.hiddenStates(batch, spec.attention());
        float[][] pooled = spec.pooling().pool(hidden, batch, transformer.config().hiddenSize(), skip);
        for (int s = 0; s < pooled.length; s++) pooled[s] = finish(pooled[s], dims);
        return pooled;
    }

    /**
     * The modules after pooling, applied to one pooled vector (consumed): dense heads, normalisation, the Matryoshka cut
     * to {@code dims} (from {@link #outputDimension}). A server that pools its own batches finishes them here.
     */
    public float[] finish(float[] pooled, int dims) {
        float[] v = pooled;
        for (Dense d : spec.dense()) v = d.forward(v);
        if (spec.normalize()) Pooling.normalize(v);
        // Matryoshka as sentence-transformers does it: cut after every module, then renormalise when normalising
        if (dims < v.length) {
            v = Arrays.copyOf(v, dims);
            if (spec.normalize()) Pooling.normalize(v);
        }
        return v;
    }

    /** The width asked for ({@code requested}; null: the recipe's), checked against what the encoder produces. */
    public int outputDimension(Integer requested) {
        int full = spec.fullDimension(transformer.config().hiddenSize());
        int dims = requested != null ? requested : spec.outputDimension(transformer.config().hiddenSize());
        if (dims <= 0 || dims > full) throw new DimensionTooLargeException(dims, full);
        return dims;
    }

    /** Token ids of one text under the prompt named {@code promptName} (null: the default), before truncation. */
    public int[] tokenize(String text, String promptName) {
        return tokenizer.encode(EncoderSpec.applyPrompt(spec.promptText(promptName), Objects.requireNonNull(text, "text is null")));
    }

    /** Leading tokens a text under the prompt named {@code promptName} leaves out of its pooling (include_prompt false). */
    public int meanSkip(String promptName) {
        return skipFor(spec.promptText(promptName));
    }

    private int skipFor(String promptText) {
        return spec.includePrompt() || spec.pooling() != Pooling.MEAN ? 0 : promptLength(promptText);
    }

    private static Batch suffixes(int[][] sequences, int from) {
        int[][] out = new int[sequences.length][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(sequences[i], from, sequences[i].length);
        return Batch.of(out);
    }

    /** The tokens every text under {@code prompt} starts with (those two different texts share), run through the model once. */
    private Transformer.PromptPrefix prefix(String prompt) {
        if (!reusePromptPrefix || prompt == null) return null;
        return prefixes.computeIfAbsent(prompt, p -> {
            int[] a = tokenizer.encode(EncoderSpec.applyPrompt(p, "a")), z = tokenizer.encode(EncoderSpec.applyPrompt(p, "Z 9"));
            int n = Arrays.mismatch(a, z);
            if (n < 0) n = Math.min(a.length, z.length);
            n = Math.min(n, Math.min(a.length, z.length) - 1);
            return n <= 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(transformer.prefix(Arrays.copyOf(a, n), bidirectionalFrom()));
        }).orElse(null);
    }

    /**
     * Tokens sentence-transformers leaves out of the mean for {@code prompt} ({@code include_prompt: false}): the
     * length of the prompt's part before the text tokenized alone, minus one.
     */
    private int promptLength(String prompt) {
        String prefix = EncoderSpec.promptPrefix(prompt);
        if (prefix.isEmpty()) return 0;
        return promptLengths.computeIfAbsent(prefix, p -> Math.max(0, tokenizer.encode(p).length - 1));
    }

    /**
     * The ids of {@code prompt} around {@code text}, at most {@link #maxTokens} of them. Too long with truncation on:
     * the longest start of the text (whole code points) whose templated form fits, found by binary search on its
     * length, so the prompt's tail and an appended EOS survive.
     */
    private Fitted encodeFitting(String text, String prompt, int index) {
        int[] ids = tokenizer.encode(EncoderSpec.applyPrompt(prompt, text));
        if (ids.length == 0) throw new EmptyTextException(index);
        if (ids.length <= maxTokens) return new Fitted(ids, false);
        if (spec.truncation() == Truncation.ERROR) {
            throw new TooManyTokensException(index, ids.length, maxTokens, "text " + index + " has " + ids.length
                    + " tokens, more than the limit of " + maxTokens + "; raise maxTokens or choose truncation KEEP_START");
        }
        int[] codePoints = text.codePoints().toArray();
        int lo = 0, hi = codePoints.length; // tokens(cut to lo) fit (checked below); tokens(cut to hi) do not
        int[] best = tokenizer.encode(EncoderSpec.applyPrompt(prompt, ""));
        if (best.length > maxTokens) {
            throw new TooManyTokensException(index, best.length, maxTokens, "the prompt alone has " + best.length
                    + " tokens, more than the limit of " + maxTokens + "; raise maxTokens");
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            int[] cut = tokenizer.encode(EncoderSpec.applyPrompt(prompt, new String(codePoints, 0, mid)));
            if (cut.length <= maxTokens) {
                lo = mid;
                best = cut;
            } else {
                hi = mid;
            }
        }
        return new Fitted(best, true);
    }

    private record Fitted(int[] ids, boolean cut) {}

    /** The settings, for reports: everything that changes the embedding. */
    public Map<String, Object> settings() {
        Map<String, Object> m = spec.describe(transformer.config().numLayers());
        m.put("max_tokens", maxTokens);
        return m;
    }

    @Override
    public void close() {
        try {
            if (ownedKernels != null) ownedKernels.close();
            if (tokenizer instanceof AutoCloseable c) c.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the encoder: " + e.getMessage(), e);
        }
    }

    /**
     * Builds an encoder. With {@link #model(Path)}, the model folder's recipe and then each adapter's apply first, and
     * every setting given here overrides them (each change is told to {@link #notices}); with {@link #spec}, the spec
     * is taken as it is. Unset settings keep {@link EncoderSpec.Builder#build the defaults}.
     */
    public static final class Builder {
        private final EncoderSpec.Builder settings = EncoderSpec.builder();
        private EncoderSpec spec;
        private Path modelPath;
        private Path tokenizerPath;
        private final List<Path> adapters = new ArrayList<>();
        private ModelWeights weights;
        private Tokenizer tokenizer;
        private int batchSize = 32;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Kernels kernels;
        private Consumer<String> notices = notice -> {};
        private boolean reusePromptPrefix = true;

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

        /** A PEFT LoRA adapter directory to apply after those already given (their deltas add); null is ignored. */
        public Builder adapter(Path dir) {
            if (dir != null) adapters.add(dir);
            return this;
        }

        /** Already loaded weights (adapters applied) and tokenizer, instead of {@link #model(Path)}. */
        public Builder model(ModelWeights weights, Tokenizer tokenizer) {
            this.weights = weights;
            this.tokenizer = tokenizer;
            return this;
        }

        /** The whole recipe, taken as it is (model, tokenizer and adapters included). */
        public Builder spec(EncoderSpec spec) {
            this.spec = spec;
            return this;
        }

        /** Receives a line for every setting of a folder's recipe that a later folder or this builder changes. */
        public Builder notices(Consumer<String> notices) {
            this.notices = Objects.requireNonNull(notices);
            return this;
        }

        public Builder attention(AttentionLayers attention) {
            settings.attention(attention);
            return this;
        }

        /** Layers {@code l >= from} attend bidirectionally; {@code from} must be a layer of the model. */
        public Builder bidirectionalFrom(int from) {
            settings.bidirectionalFrom(from);
            return this;
        }

        public Builder causal() {
            settings.causal();
            return this;
        }

        public Builder pooling(Pooling pooling) {
            settings.pooling(pooling);
            return this;
        }

        public Builder includePrompt(boolean includePrompt) {
            settings.includePrompt(includePrompt);
            return this;
        }

        /** One prompt for every text: a template containing {@code {text}}, a prefix, or null for the plain text. */
        public Builder prompt(String template) {
            settings.prompt(template);
            return this;
        }

        public Builder prompts(Map<String, String> prompts, String defaultName) {
            settings.prompts(prompts, defaultName);
            return this;
        }

        /** Which of the recipe's named prompts ({@link #prompts}, or the folders') every text gets by default. */
        public Builder defaultPromptName(String name) {
            settings.defaultPromptName(name);
            return this;
        }

        public Builder normalize(boolean normalize) {
            settings.normalize(normalize);
            return this;
        }

        public Builder dimensions(int dimensions) {
            settings.dimensions(dimensions);
            return this;
        }

        public Builder dense(List<Dense> dense) {
            settings.dense(dense);
            return this;
        }

        /** Longest accepted input in tokens, prompt included; defaults to the folder's, else the model's maximum. */
        public Builder maxTokens(int maxTokens) {
            settings.maxTokens(maxTokens);
            return this;
        }

        public Builder truncation(Truncation truncation) {
            settings.truncation(truncation);
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
         * Whether the prompt's tokens before the text are computed once and reused by every text (default true): the
         * same embeddings, bit for bit with the Java kernels, for less work in the causal layers. The prefix is computed
         * from the weights as they are when first used: an embedder over weights that change later (adapters being
         * trained) must turn this off.
         */
        public Builder reusePromptPrefix(boolean reuse) {
            this.reusePromptPrefix = reuse;
            return this;
        }

        /** Compute kernels to share between embedders (instead of a new pool of {@link #threads(int)}); not closed by the embedder. */
        public Builder kernels(Kernels kernels) {
            this.kernels = kernels;
            return this;
        }

        /**
         * Loads the model and checks the recipe.
         *
         * @throws VectorSupport.MissingVectorModuleException when the JVM was started without
         *         {@code --add-modules jdk.incubator.vector} (the message gives the flags to add)
         */
        public Embedder build() {
            VectorSupport.require();
            if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
            EncoderSpec recipe = spec != null ? spec : resolve();
            ModelWeights w = weights;
            Tokenizer tok = tokenizer;
            if (w == null) {
                if (recipe.model() == null) throw new IllegalArgumentException("no model: call model(Path) or model(weights, tokenizer)");
                w = ModelLoader.load(recipe.model());
                tok = Tokenizers.forModel(recipe.model(), recipe.tokenizer());
                tok.checkFits(w.config().vocabSize(), recipe.model());
                for (Path adapter : recipe.adapters()) w = PeftAdapter.load(adapter).apply(w);
            } else {
                tok.checkFits(w.config().vocabSize(), Path.of(w.config().architecture()));
            }
            recipe.check(w.config());
            Kernels own = kernels == null ? KernelProvider.select(threads) : null;
            return new Embedder(recipe, new Transformer(w, kernels != null ? kernels : own), tok, batchSize,
                    own instanceof AutoCloseable c ? c : null, reusePromptPrefix);
        }

        private EncoderSpec resolve() {
            EncoderSpec.Builder b = weights == null ? EncoderSpec.Builder.fromFolders(modelPath, adapters, notices)
                    : new EncoderSpec.Builder("defaults");
            if (weights != null && (!adapters.isEmpty() || modelPath != null)) {
                throw new IllegalArgumentException("give either model(weights, tokenizer) or model(Path) with adapters, not both");
            }
            return b.overlay(settings, notices).tokenizer(tokenizerPath).build();
        }
    }
}
