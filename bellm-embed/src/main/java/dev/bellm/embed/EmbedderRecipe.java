package dev.bellm.embed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.model.AttentionLayers;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An encoder as plain values: the model and adapter folders plus the settings stated over their own recipes. Small,
 * serializable and JSON-friendly, so it travels where a loaded model cannot (a Spark task, a Lucene index's
 * metadata) and rebuilds the same encoder there. It is not a second copy of {@link EncoderSpec}: every setting left
 * null is what the folders' recipes say ({@link Embedder.Builder#model(Path)}), so a published model's pooling,
 * prompts, dense heads and normalisation come along without being restated, and every stated one overrides them
 * through the same builder as {@code bellm embed}'s flags. Run-time choices (threads, batch size, kernels) are not
 * part of it. Paths are kept as given; store absolute ones when the recipe leaves this machine's working directory.
 *
 * @param model             Hugging Face directory, encoder folder or llama2.c {@code .bin} (required)
 * @param tokenizer         tokenizer file for a llama2.c model, or null for the default beside it
 * @param adapters          PEFT LoRA adapter directories, applied in order (their deltas add); empty for none
 * @param bidirectionalFrom first bidirectional layer, {@code none} (causal) or {@code all} ({@link AttentionLayers#parse})
 * @param pooling           {@code last}, {@code mean} or {@code first}
 * @param includePrompt     pool the prompt's tokens too
 * @param prompt            one prompt for every text: a template with {@code {text}} or a prefix; {@code "{text}"} for none
 * @param promptName        one of the recipe's named prompts to use by default
 * @param normalize         L2-normalise the embeddings
 * @param dimensions        keep the first N dimensions (Matryoshka)
 * @param maxTokens         longest input in tokens
 * @param truncate          cut longer inputs (keeping their start) instead of refusing them
 */
public record EmbedderRecipe(String model, String tokenizer, List<String> adapters, String bidirectionalFrom, String pooling,
                             Boolean includePrompt, String prompt, String promptName, Boolean normalize, Integer dimensions, Integer maxTokens,
                             Boolean truncate) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public EmbedderRecipe {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("an embedder recipe needs a model path");
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
        if (bidirectionalFrom != null) AttentionLayers.parse(bidirectionalFrom);
        if (pooling != null) Pooling.parse(pooling);
    }

    /** The encoder {@code model}'s folder describes, with nothing stated over it. */
    public static EmbedderRecipe of(Path model) {
        return new EmbedderRecipe(model.toString(), null, List.of(), null, null, null, null, null, null, null, null, null);
    }

    public EmbedderRecipe withPrompt(String template) {
        return new EmbedderRecipe(model, tokenizer, adapters, bidirectionalFrom, pooling, includePrompt, template, promptName, normalize,
                dimensions, maxTokens, truncate);
    }

    /** A builder set up by this recipe; add run-time settings (threads, batch size, kernels) and build. */
    public Embedder.Builder builder() {
        Embedder.Builder b = Embedder.builder().model(Path.of(model));
        if (tokenizer != null) b.tokenizer(Path.of(tokenizer));
        for (String a : adapters) b.adapter(Path.of(a));
        if (bidirectionalFrom != null) b.attention(AttentionLayers.parse(bidirectionalFrom));
        if (pooling != null) b.pooling(Pooling.parse(pooling));
        if (includePrompt != null) b.includePrompt(includePrompt);
        if (prompt != null) b.prompt(prompt);
        if (promptName != null) b.defaultPromptName(promptName);
        if (normalize != null) b.normalize(normalize);
        if (dimensions != null) b.dimensions(dimensions);
        if (maxTokens != null) b.maxTokens(maxTokens);
        if (truncate != null) b.truncation(truncate ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        return b;
    }

    /** The recipe as JSON keys (snake_case; nulls kept, so a reader sees which settings come from the folders). */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("model", model);
        m.put("tokenizer", tokenizer);
        m.put("adapters", adapters);
        m.put("bidirectional_from", bidirectionalFrom);
        m.put("pooling", pooling);
        m.put("include_prompt", includePrompt);
        m.put("prompt", prompt);
        m.put("prompt_name", promptName);
        m.put("normalize", normalize);
        m.put("dimensions", dimensions);
        m.put("max_tokens", maxTokens);
        m.put("truncate", truncate);
        return m;
    }

    /** Reads {@link #toMap}'s keys; also the first version's ({@code adapter}: one path; a numeric {@code bidirectional_from}). */
    public static EmbedderRecipe fromMap(Map<String, ?> m) {
        List<String> adapters = new ArrayList<>();
        if (m.get("adapters") instanceof List<?> list) {
            for (Object a : list) adapters.add((String) a);
        }
        if (m.get("adapter") != null) adapters.add((String) m.get("adapter"));
        Object from = m.get("bidirectional_from");
        return new EmbedderRecipe((String) m.get("model"), (String) m.get("tokenizer"), adapters,
                from == null ? null : from.toString(), (String) m.get("pooling"), (Boolean) m.get("include_prompt"), (String) m.get("prompt"),
                (String) m.get("prompt_name"), (Boolean) m.get("normalize"), integer(m.get("dimensions")),
                integer(m.get("max_tokens")), (Boolean) m.get("truncate"));
    }

    private static Integer integer(Object v) {
        return v == null ? null : ((Number) v).intValue();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static EmbedderRecipe fromJson(String json) {
        try {
            return fromMap(JSON.readValue(json, Map.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an embedder recipe: " + e.getOriginalMessage());
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("embedder recipe with a field of the wrong type: " + e.getMessage());
        }
    }
}
