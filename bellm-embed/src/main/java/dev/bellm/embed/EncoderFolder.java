package dev.bellm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.HfCheckpoint;
import dev.bellm.model.AttentionLayers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An encoder's recipe on disk: sentence-transformers' layout, plus {@value #RECIPE_FILE} for what that layout cannot
 * say. Read from a model folder or an adapter folder alike; whatever {@link #write} writes, {@link #read} gives back.
 *
 * <ul>
 *   <li>{@code modules.json}: the pipeline, in order: {@code Transformer} (path ""), {@code Pooling}, {@code Dense}
 *       heads, {@code Normalize};</li>
 *   <li>{@code 1_Pooling/config.json}: {@code pooling_mode_lasttoken} / {@code _mean_tokens} / {@code _cls_token},
 *       {@code include_prompt};</li>
 *   <li>{@code config_sentence_transformers.json}: {@code prompts}, {@code default_prompt_name};</li>
 *   <li>{@code k_Dense/}: see {@link Dense};</li>
 *   <li>{@code sentence_bert_config.json}: {@code max_seq_length};</li>
 *   <li>{@code config.json}: {@code "is_causal": false} or {@code "use_bidirectional_attention": true} → every layer
 *       bidirectional;</li>
 *   <li>{@value #RECIPE_FILE}: bellm's own, written by bellm and read last: {@code attention}
 *       ({@code {"bidirectional_from": N}}, {@code {"bidirectional_layers": [..]}}, {@code "causal"},
 *       {@code "bidirectional"}), and every other setting under the names of {@link EncoderSpec#describe}.</li>
 * </ul>
 */
public final class EncoderFolder {
    public static final String RECIPE_FILE = "bellm_encoder.json";
    public static final String MODULES_FILE = "modules.json";
    public static final String ST_CONFIG_FILE = "config_sentence_transformers.json";
    public static final String ST_MAX_LENGTH_FILE = "sentence_bert_config.json";
    public static final String POOLING_DIR = "1_Pooling";
    private static final String ST = "sentence_transformers.models.";
    private static final int FORMAT = 1;

    private EncoderFolder() {}

    /** The settings {@code dir} states (none for a llama2.c {@code .bin} or a folder without a recipe). */
    public static EncoderSpec.Builder read(Path dir) {
        EncoderSpec.Builder b = new EncoderSpec.Builder(dir.toString());
        if (!Files.isDirectory(dir)) return b;
        if (Files.isRegularFile(dir.resolve(HfCheckpoint.CONFIG_FILE))) {
            AttentionLayers declared = HfCheckpoint.declaredAttention(dir);
            if (declared != null) b.attention(declared);
        }
        readModules(dir, b);
        JsonFile st = JsonFile.readIfPresent(dir.resolve(ST_CONFIG_FILE));
        if (st != null) readPrompts(st, b);
        JsonFile maxLength = JsonFile.readIfPresent(dir.resolve(ST_MAX_LENGTH_FILE));
        if (maxLength != null && maxLength.positiveInt("max_seq_length") != null) b.maxTokens(maxLength.positiveInt("max_seq_length"));
        JsonFile recipe = JsonFile.readIfPresent(dir.resolve(RECIPE_FILE));
        if (recipe != null) readRecipe(recipe, b);
        return b;
    }

    private static void readModules(Path dir, EncoderSpec.Builder b) {
        JsonFile modules = JsonFile.readIfPresent(dir.resolve(MODULES_FILE));
        if (modules == null) return;
        if (!modules.root.isArray()) throw new CheckpointException(modules.path, "expected a JSON list of modules");
        boolean normalize = false;
        List<Dense> dense = new ArrayList<>();
        for (JsonNode module : modules.root) {
            String type = module.path("type").asText("");
            String path = module.path("path").asText("");
            Path moduleDir = dir.resolve(path).normalize();
            if (!moduleDir.startsWith(dir.normalize())) throw modules.error("path", "'" + path + "' leaves the model folder");
            switch (type.startsWith(ST) ? type.substring(ST.length()) : type) {
                case "Transformer" -> {}
                case "Pooling" -> readPooling(JsonFile.read(moduleDir.resolve("config.json")), b);
                case "Dense" -> dense.add(Dense.load(moduleDir));
                case "Normalize" -> normalize = true;
                default -> throw modules.error("type", "is '" + type + "'; bellm runs Transformer, Pooling, Dense and Normalize modules");
            }
        }
        b.normalize(normalize);
        if (!dense.isEmpty()) b.dense(dense);
    }

    private static void readPooling(JsonFile cfg, EncoderSpec.Builder b) {
        Map<String, Pooling> modes = Map.of("pooling_mode_lasttoken", Pooling.LAST, "pooling_mode_mean_tokens", Pooling.MEAN,
                "pooling_mode_cls_token", Pooling.FIRST);
        Pooling chosen = null;
        for (var e : modes.entrySet()) {
            if (Boolean.TRUE.equals(cfg.bool(e.getKey()))) {
                if (chosen != null) throw cfg.error(e.getKey(), "is true with another pooling mode; bellm pools one way at a time");
                chosen = e.getValue();
            }
        }
        for (String unsupported : List.of("pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens")) {
            if (Boolean.TRUE.equals(cfg.bool(unsupported))) throw cfg.error(unsupported, "is true; bellm pools the last token, the mean or the first token");
        }
        if (chosen == null) throw cfg.error("pooling_mode_lasttoken", "no pooling mode is true");
        b.pooling(chosen);
        Boolean includePrompt = cfg.bool("include_prompt");
        if (includePrompt != null) b.includePrompt(includePrompt);
    }

    private static void readPrompts(JsonFile cfg, EncoderSpec.Builder b) {
        JsonNode prompts = cfg.get("prompts");
        if (prompts == null && cfg.get("default_prompt_name") == null) return;
        Map<String, String> map = new LinkedHashMap<>();
        if (prompts != null) {
            if (!prompts.isObject()) throw cfg.error("prompts", "must be an object of name: prompt, got " + prompts);
            for (var e : prompts.properties()) {
                if (!e.getValue().isTextual()) throw cfg.error("prompts." + e.getKey(), "must be a string, got " + e.getValue());
                map.put(e.getKey(), e.getValue().asText());
            }
        }
        String defaultName = cfg.string("default_prompt_name");
        if (defaultName != null && !map.containsKey(defaultName)) throw cfg.error("default_prompt_name", "names '" + defaultName + "', not one of the prompts " + map.keySet());
        b.prompts(map, defaultName);
    }

    private static void readRecipe(JsonFile f, EncoderSpec.Builder b) {
        JsonNode attention = f.get("attention");
        if (attention != null) b.attention(attention(f, attention));
        String pooling = f.string("pooling");
        if (pooling != null) {
            try {
                b.pooling(Pooling.parse(pooling));
            } catch (IllegalArgumentException e) {
                throw f.error("pooling", e.getMessage());
            }
        }
        if (f.bool("include_prompt") != null) b.includePrompt(f.bool("include_prompt"));
        if (f.object().has("prompts")) {
            JsonNode prompts = f.get("prompts");
            Map<String, String> map = new LinkedHashMap<>();
            if (prompts != null) {
                if (!prompts.isObject()) throw f.error("prompts", "must be an object of name: prompt, got " + prompts);
                for (var e : prompts.properties()) {
                    if (!e.getValue().isTextual()) throw f.error("prompts." + e.getKey(), "must be a string, got " + e.getValue());
                    map.put(e.getKey(), e.getValue().asText());
                }
            }
            String defaultName = f.string("default_prompt_name");
            if (defaultName != null && !map.containsKey(defaultName)) throw f.error("default_prompt_name", "names '" + defaultName + "', not one of the prompts " + map.keySet());
            b.prompts(map, defaultName);
        }
        if (f.bool("normalize") != null) b.normalize(f.bool("normalize"));
        if (f.positiveInt("dimensions") != null) b.dimensions(f.positiveInt("dimensions"));
        if (f.positiveInt("max_tokens") != null) b.maxTokens(f.positiveInt("max_tokens"));
        String truncation = f.string("truncation");
        if (truncation != null) {
            try {
                b.truncation(Embedder.Truncation.valueOf(truncation.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw f.error("truncation", "is '" + truncation + "'; expected error or keep_start");
            }
        }
    }

    private static AttentionLayers attention(JsonFile f, JsonNode node) {
        if (node.isTextual()) {
            return switch (node.asText()) {
                case "causal" -> AttentionLayers.causal();
                case "bidirectional" -> AttentionLayers.bidirectional();
                default -> throw f.error("attention", "is '" + node.asText() + "'; expected causal, bidirectional or an object");
            };
        }
        if (node.isObject() && node.size() == 1 && node.has("bidirectional_from")) {
            JsonNode from = node.get("bidirectional_from");
            if (!from.canConvertToInt() || from.intValue() < 0) throw f.error("attention.bidirectional_from", "must be a layer number, got " + from);
            return AttentionLayers.bidirectionalFrom(from.intValue());
        }
        if (node.isObject() && node.size() == 1 && node.has("layers") && node.get("layers").isArray()) {
            JsonNode layers = node.get("layers");
            boolean[] mask = new boolean[layers.size()];
            for (int l = 0; l < mask.length; l++) {
                String kind = layers.get(l).asText("");
                if (!kind.equals("causal") && !kind.equals("bidirectional")) throw f.error("attention.layers", "entry " + l + " is " + layers.get(l) + "; expected causal or bidirectional");
                mask[l] = kind.equals("bidirectional");
            }
            return AttentionLayers.ofLayers(mask);
        }
        throw f.error("attention", "is " + node + "; expected \"causal\", \"bidirectional\", {\"bidirectional_from\": N} or {\"layers\": [...]}");
    }

    /**
     * Writes {@code spec}'s recipe into {@code dir} (a model or adapter folder that exists or is created): the
     * sentence-transformers files and {@value #RECIPE_FILE}. Model, tokenizer and adapters are not part of a folder's
     * recipe: the folder is (or goes with) them.
     */
    public static void write(Path dir, EncoderSpec spec, int hiddenSize, int numLayers) throws IOException {
        Files.createDirectories(dir);
        List<Map<String, Object>> modules = new ArrayList<>();
        modules.add(module(modules.size(), "", "Transformer"));
        modules.add(module(modules.size(), POOLING_DIR, "Pooling"));
        Map<String, Object> pooling = new LinkedHashMap<>();
        pooling.put("word_embedding_dimension", hiddenSize);
        pooling.put("pooling_mode_cls_token", spec.pooling() == Pooling.FIRST);
        pooling.put("pooling_mode_mean_tokens", spec.pooling() == Pooling.MEAN);
        pooling.put("pooling_mode_max_tokens", false);
        pooling.put("pooling_mode_mean_sqrt_len_tokens", false);
        pooling.put("pooling_mode_weightedmean_tokens", false);
        pooling.put("pooling_mode_lasttoken", spec.pooling() == Pooling.LAST);
        pooling.put("include_prompt", spec.includePrompt());
        JsonFile.write(dir.resolve(POOLING_DIR).resolve("config.json"), pooling);
        for (Dense d : spec.dense()) {
            String path = modules.size() + "_Dense";
            modules.add(module(modules.size(), path, "Dense"));
            d.save(dir.resolve(path));
        }
        if (spec.normalize()) modules.add(module(modules.size(), modules.size() + "_Normalize", "Normalize"));
        JsonFile.write(dir.resolve(MODULES_FILE), modules);

        // sentence-transformers prepends a prompt; a BeLLM template ({text} inside) only bellm's own file can hold
        Map<String, String> prefixPrompts = new LinkedHashMap<>();
        spec.prompts().forEach((name, text) -> {
            if (!text.contains("{text}")) prefixPrompts.put(name, text);
        });
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("prompts", prefixPrompts);
        st.put("default_prompt_name", prefixPrompts.containsKey(spec.defaultPromptName()) ? spec.defaultPromptName() : null);
        st.put("similarity_fn_name", "cosine");
        JsonFile.write(dir.resolve(ST_CONFIG_FILE), st);
        if (spec.maxTokens() != null) JsonFile.write(dir.resolve(ST_MAX_LENGTH_FILE), Map.of("max_seq_length", spec.maxTokens(), "do_lower_case", false));

        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("format", FORMAT);
        recipe.put("attention", attentionJson(spec.attention(), numLayers));
        recipe.put("pooling", spec.pooling().toString());
        recipe.put("include_prompt", spec.includePrompt());
        recipe.put("prompts", spec.prompts());
        recipe.put("default_prompt_name", spec.defaultPromptName());
        recipe.put("normalize", spec.normalize());
        recipe.put("dimensions", spec.dimensions());
        recipe.put("max_tokens", spec.maxTokens());
        recipe.put("truncation", spec.truncation().name().toLowerCase(Locale.ROOT));
        JsonFile.write(dir.resolve(RECIPE_FILE), recipe);
    }

    private static Object attentionJson(AttentionLayers attention, int numLayers) {
        if (attention.isCausal()) return "causal";
        Integer from = attention.bidirectionalFrom();
        if (from != null && from == 0) return "bidirectional";
        if (from != null) return Map.of("bidirectional_from", from);
        List<String> layers = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) layers.add(attention.isBidirectional(l) ? "bidirectional" : "causal");
        return Map.of("layers", layers);
    }

    /**
     * Deletes the module folders ({@code 1_Pooling}, {@code k_Dense}, …) that {@code dir}'s own {@code modules.json}
     * names, and the recipe files, so the folder can be replaced by a new model; nothing else is touched.
     */
    public static void removeModuleFolders(Path dir) throws IOException {
        JsonFile modules = JsonFile.readIfPresent(dir.resolve(MODULES_FILE));
        if (modules == null || !modules.root.isArray()) return;
        for (JsonNode module : modules.root) {
            String path = module.path("path").asText("");
            Path moduleDir = dir.resolve(path).normalize();
            if (path.isEmpty() || !moduleDir.startsWith(dir.normalize()) || moduleDir.equals(dir.normalize()) || !Files.isDirectory(moduleDir)) continue;
            try (var walk = Files.walk(moduleDir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        for (String f : List.of(MODULES_FILE, ST_CONFIG_FILE, ST_MAX_LENGTH_FILE, RECIPE_FILE)) Files.deleteIfExists(dir.resolve(f));
    }

    private static Map<String, Object> module(int idx, String path, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("idx", idx);
        m.put("name", String.valueOf(idx));
        m.put("path", path);
        m.put("type", ST + type);
        return m;
    }
}
