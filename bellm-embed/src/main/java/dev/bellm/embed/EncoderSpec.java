package dev.bellm.embed;

import dev.bellm.model.AttentionLayers;
import dev.bellm.model.ModelConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything that decides what vector a text becomes: the recipe of an encoder. A decoder (base model, then LoRA
 * adapters applied in order, their deltas adding) attends per layer as {@link #attention} says; the text wrapped in
 * a prompt is tokenized (cut to {@link #maxTokens} as {@link #truncation} says), the final hidden states are pooled
 * ({@link #includePrompt} false: the prompt's tokens are left out of a mean), passed through the {@link #dense} heads,
 * L2-normalised if {@link #normalize}, and cut to {@link #dimensions} (Matryoshka; renormalised when normalising).
 *
 * <p>Prompts are named ({@code query}, {@code document}, …); {@link #defaultPromptName} is used when a request names
 * none. A prompt containing {@code {text}} is a template (BeLLM's); any other is a prefix, as in sentence-transformers.
 * An empty prompt is no prompt.
 *
 * <p>The constructor checks what can be checked alone; {@link #check(ModelConfig)} what needs the model. Those are
 * the only two places these settings are validated. An encoder folder stores a recipe ({@link EncoderFolder}), and
 * {@link #load} reads one back.
 *
 * @param model      base model (Hugging Face directory or llama2.c {@code .bin}); null when built from loaded weights
 * @param tokenizer  tokenizer override; null for the model's own
 * @param adapters   PEFT LoRA adapter directories, applied in order
 * @param dimensions output dimensions (Matryoshka), or null for all of them
 * @param maxTokens  longest input in tokens, prompt and special tokens included; null for the model's maximum
 */
public record EncoderSpec(
        Path model,
        Path tokenizer,
        List<Path> adapters,
        AttentionLayers attention,
        Pooling pooling,
        boolean includePrompt,
        Map<String, String> prompts,
        String defaultPromptName,
        boolean normalize,
        Integer dimensions,
        List<Dense> dense,
        Integer maxTokens,
        Embedder.Truncation truncation) {

    /** The name {@link Builder#prompt(String)} gives the single prompt it sets. */
    public static final String DEFAULT_PROMPT = "default";

    public EncoderSpec {
        adapters = List.copyOf(adapters);
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(truncation, "truncation");
        Map<String, String> copy = new LinkedHashMap<>();
        prompts.forEach((name, text) -> {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("a prompt needs a name");
            if (text == null) throw new IllegalArgumentException("prompt '" + name + "' has no text");
            if (text.indexOf("{text}") != text.lastIndexOf("{text}")) {
                throw new IllegalArgumentException("prompt '" + name + "' contains {text} more than once: " + text);
            }
            copy.put(name, text);
        });
        prompts = Collections.unmodifiableMap(copy);
        if (defaultPromptName != null && !prompts.containsKey(defaultPromptName)) {
            throw new UnknownPromptException(defaultPromptName, prompts.keySet());
        }
        dense = List.copyOf(dense);
        for (int i = 1; i < dense.size(); i++) {
            if (dense.get(i).in() != dense.get(i - 1).out()) {
                throw new IllegalArgumentException("dense head " + i + " takes " + dense.get(i).in() + " features but head " + (i - 1)
                        + " gives " + dense.get(i - 1).out());
            }
        }
        if (dimensions != null && dimensions <= 0) throw new DimensionTooLargeException(dimensions, 0);
        if (maxTokens != null && maxTokens <= 0) throw new IllegalArgumentException("max_tokens must be positive, got " + maxTokens);
    }

    public static Builder builder() {
        return new Builder("caller");
    }

    /**
     * The recipe stored in {@code model}'s folder, then in each adapter's folder (an adapter's recipe wins where they
     * differ: the adapter was trained that way). Nothing is loaded but the recipe files.
     */
    public static EncoderSpec load(Path model, Path... adapters) {
        return load(model, List.of(adapters), notice -> {});
    }

    /** As {@link #load(Path, Path...)}, with each setting a later folder changes reported to {@code notices}. */
    public static EncoderSpec load(Path model, List<Path> adapters, Consumer<String> notices) {
        return Builder.fromFolders(model, adapters, notices).build();
    }

    /**
     * Checks this recipe against the model it runs on and returns it: the attention fits the layers, the first dense
     * head takes the hidden size, the dimensions do not exceed the output.
     */
    public EncoderSpec check(ModelConfig config) {
        attention.check(config.numLayers());
        if (!dense.isEmpty() && dense.getFirst().in() != config.hiddenSize()) {
            throw new IllegalArgumentException("the first dense head takes " + dense.getFirst().in() + " features but the model's hidden size is "
                    + config.hiddenSize());
        }
        int full = fullDimension(config.hiddenSize());
        if (dimensions != null && dimensions > full) throw new DimensionTooLargeException(dimensions, full);
        return this;
    }

    /** Width of the vector before any Matryoshka cut: the last dense head's output, else the hidden size. */
    public int fullDimension(int hiddenSize) {
        return dense.isEmpty() ? hiddenSize : dense.getLast().out();
    }

    /** Width of the vectors this recipe gives. */
    public int outputDimension(int hiddenSize) {
        return dimensions != null ? dimensions : fullDimension(hiddenSize);
    }

    /**
     * The prompt text a request gets: {@code name}'s, or with a null name the default prompt's; null for no prompt
     * (none named and no default, or an empty one).
     */
    public String promptText(String name) {
        String key = name != null ? name : defaultPromptName;
        if (key == null) return null;
        String text = prompts.get(key);
        if (text == null) throw new UnknownPromptException(key, prompts.keySet());
        return text.isEmpty() ? null : text;
    }

    /** The string tokenized for {@code text} under {@code prompt}: the template filled in, or prompt + text. */
    public static String applyPrompt(String prompt, String text) {
        if (prompt == null) return text;
        return prompt.contains("{text}") ? prompt.replace("{text}", text) : prompt + text;
    }

    /** What comes before the text under {@code prompt} (the whole prefix, or a template's part before {@code {text}}). */
    public static String promptPrefix(String prompt) {
        if (prompt == null) return "";
        int at = prompt.indexOf("{text}");
        return at < 0 ? prompt : prompt.substring(0, at);
    }

    /** A builder holding every setting of this recipe. */
    public Builder toBuilder() {
        Builder b = new Builder("caller");
        b.model = model;
        b.tokenizer = tokenizer;
        b.adapters.addAll(adapters);
        b.attention(attention).pooling(pooling).includePrompt(includePrompt).prompts(prompts, defaultPromptName).normalize(normalize)
                .dense(dense).truncation(truncation);
        if (dimensions != null) b.dimensions(dimensions);
        if (maxTokens != null) b.maxTokens(maxTokens);
        return b;
    }

    /** The recipe as a flat map with checkpoint-style names, for reports, {@code info} and result files. */
    public Map<String, Object> describe(int numLayers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model == null ? null : model.toString());
        m.put("adapters", adapters.stream().map(Path::toString).toList());
        m.put("attention", attention.toString());
        m.put("bidirectional_from", attention.bidirectionalFrom());
        m.put("bidirectional_layers", numLayers > 0 ? attention.bidirectionalLayers(numLayers) : null);
        m.put("pooling", pooling.toString());
        m.put("include_prompt", includePrompt);
        m.put("prompts", prompts);
        m.put("default_prompt_name", defaultPromptName);
        m.put("dense", dense.stream().map(Dense::toString).toList());
        m.put("normalize", normalize);
        m.put("dimensions", dimensions);
        m.put("max_tokens", maxTokens);
        m.put("truncation", truncation.toString());
        return m;
    }

    /**
     * A recipe being put together from several sources (a model folder, adapter folders, the caller): each setting is
     * either unset (the default applies) or stated by a source, and {@link #overlay} reports every stated setting a
     * later source changes.
     */
    public static final class Builder {
        private final String source;
        private final Map<String, String> origins = new LinkedHashMap<>();
        private Path model;
        private Path tokenizer;
        private final List<Path> adapters = new ArrayList<>();
        private AttentionLayers attention;
        private Pooling pooling;
        private Boolean includePrompt;
        private Map<String, String> prompts;
        private String defaultPromptName;
        private boolean defaultPromptSet;
        private Boolean normalize;
        private Integer dimensions;
        private List<Dense> dense;
        private Integer maxTokens;
        private Embedder.Truncation truncation;

        /** @param source what states these settings, named in override notices (a folder, "command line", ...) */
        public Builder(String source) {
            this.source = source;
        }

        /** The recipes of {@code model}'s folder (may be null) and then each adapter's, later ones overriding earlier ones. */
        public static Builder fromFolders(Path model, List<Path> adapters, Consumer<String> notices) {
            Builder b = new Builder("defaults");
            if (model != null) {
                b.overlay(EncoderFolder.read(model), notices);
                b.model = model;
            }
            for (Path adapter : adapters) {
                b.overlay(EncoderFolder.read(adapter), notices);
                b.adapters.add(adapter);
            }
            return b;
        }

        public String source() {
            return source;
        }

        public Builder model(Path model) {
            this.model = model;
            return this;
        }

        public Builder tokenizer(Path tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** Adds an adapter after those already given. */
        public Builder adapter(Path adapter) {
            adapters.add(Objects.requireNonNull(adapter, "adapter"));
            return this;
        }

        public Builder attention(AttentionLayers attention) {
            this.attention = state("attention", Objects.requireNonNull(attention));
            return this;
        }

        /** BeLLM: layers {@code l >= from} attend both ways. */
        public Builder bidirectionalFrom(int from) {
            return attention(AttentionLayers.bidirectionalFrom(from));
        }

        public Builder causal() {
            return attention(AttentionLayers.causal());
        }

        public Builder pooling(Pooling pooling) {
            this.pooling = state("pooling", Objects.requireNonNull(pooling));
            return this;
        }

        /** False: a mean leaves out the prompt's tokens (sentence-transformers' {@code include_prompt}). */
        public Builder includePrompt(boolean includePrompt) {
            this.includePrompt = state("include_prompt", includePrompt);
            return this;
        }

        /** One prompt for every text (named {@value #DEFAULT_PROMPT} and made the default); null for none. */
        public Builder prompt(String prompt) {
            return prompt == null ? prompts(Map.of(), null) : prompts(Map.of(DEFAULT_PROMPT, prompt), DEFAULT_PROMPT);
        }

        /** Named prompts and the one used when a request names none (null: no prompt then). */
        public Builder prompts(Map<String, String> prompts, String defaultName) {
            this.prompts = state("prompts", new LinkedHashMap<>(prompts));
            return defaultPromptName(defaultName);
        }

        public Builder defaultPromptName(String name) {
            this.defaultPromptName = state("default_prompt_name", name);
            this.defaultPromptSet = true;
            return this;
        }

        public Builder normalize(boolean normalize) {
            this.normalize = state("normalize", normalize);
            return this;
        }

        /** Matryoshka: keep the first {@code dimensions} entries (renormalised when normalising). */
        public Builder dimensions(int dimensions) {
            this.dimensions = state("dimensions", dimensions);
            return this;
        }

        public Builder dense(List<Dense> dense) {
            this.dense = state("dense", List.copyOf(dense));
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = state("max_tokens", maxTokens);
            return this;
        }

        public Builder truncation(Embedder.Truncation truncation) {
            this.truncation = state("truncation", Objects.requireNonNull(truncation));
            return this;
        }

        private <T> T state(String setting, T value) {
            origins.put(setting, source);
            return value;
        }

        /** The settings {@code part} states, in name order of the recipe file ({@code pooling}, ...). */
        public Map<String, Object> stated() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String setting : origins.keySet()) m.put(setting, value(setting));
            return m;
        }

        private Object value(String setting) {
            return switch (setting) {
                case "attention" -> attention;
                case "pooling" -> pooling;
                case "include_prompt" -> includePrompt;
                case "prompts" -> prompts;
                case "default_prompt_name" -> defaultPromptName;
                case "normalize" -> normalize;
                case "dimensions" -> dimensions;
                case "dense" -> dense;
                case "max_tokens" -> maxTokens;
                case "truncation" -> truncation;
                default -> throw new IllegalStateException(setting);
            };
        }

        /**
         * Takes every setting {@code part} states; where this builder already had it stated with another value, tells
         * {@code notices} (naming the setting, both values and both sources). Model, tokenizer and adapters of
         * {@code part} are added too.
         */
        public Builder overlay(Builder part, Consumer<String> notices) {
            if (part.model != null) model = part.model;
            if (part.tokenizer != null) tokenizer = part.tokenizer;
            adapters.addAll(part.adapters);
            for (Map.Entry<String, String> e : part.origins.entrySet()) {
                String setting = e.getKey();
                Object now = part.value(setting);
                String before = origins.get(setting);
                if (before != null && !Objects.equals(value(setting), now)) {
                    notices.accept(setting + ": " + show(now) + " (" + e.getValue() + ") overrides " + show(value(setting)) + " (" + before + ")");
                }
                origins.put(setting, e.getValue());
                switch (setting) {
                    case "attention" -> attention = part.attention;
                    case "pooling" -> pooling = part.pooling;
                    case "include_prompt" -> includePrompt = part.includePrompt;
                    case "prompts" -> prompts = part.prompts;
                    case "default_prompt_name" -> {
                        defaultPromptName = part.defaultPromptName;
                        defaultPromptSet = true;
                    }
                    case "normalize" -> normalize = part.normalize;
                    case "dimensions" -> dimensions = part.dimensions;
                    case "dense" -> dense = part.dense;
                    case "max_tokens" -> maxTokens = part.maxTokens;
                    case "truncation" -> truncation = part.truncation;
                    default -> throw new IllegalStateException(setting);
                }
            }
            return this;
        }

        private static String show(Object value) {
            if (value instanceof String s) return "'" + s + "'";
            return String.valueOf(value);
        }

        /** The recipe, with the defaults (causal, last token, no prompt, no normalisation, refuse long texts) where unset. */
        public EncoderSpec build() {
            Map<String, String> p = prompts != null ? prompts : Map.of();
            String defaultName = defaultPromptSet ? defaultPromptName : null;
            return new EncoderSpec(model, tokenizer, adapters, attention != null ? attention : AttentionLayers.causal(),
                    pooling != null ? pooling : Pooling.LAST, includePrompt == null || includePrompt, p, defaultName,
                    normalize != null && normalize, dimensions, dense != null ? dense : List.of(), maxTokens,
                    truncation != null ? truncation : Embedder.Truncation.ERROR);
        }
    }
}
