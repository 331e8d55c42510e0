package dev.bellm.embed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that decides what embedding an {@link Embedder} gives, as plain values: small, serializable and
 * JSON-friendly, so it can travel where a loaded model cannot (a Spark task, a Lucene index's metadata, a
 * Spring property set) and rebuild the same encoder there. Run-time choices (threads, batch size) are not part
 * of it. Paths are kept as given; store absolute ones when the recipe leaves this machine's working directory.
 *
 * @param model             Hugging Face directory or llama2.c {@code .bin} (required)
 * @param tokenizer         tokenizer file for a llama2.c model, or null for the default beside it
 * @param adapter           PEFT LoRA adapter directory, or null
 * @param bidirectionalFrom first bidirectional layer, or null for a causal model
 * @param pooling           {@code last}, {@code mean} or {@code first}
 * @param prompt            prompt template with {@code {text}}, or null
 * @param normalize         L2-normalise the embeddings
 * @param maxTokens         longest input in tokens, or null for the model's maximum
 * @param truncate          cut longer inputs (keeping their start) instead of refusing them
 */
public record EmbedderRecipe(String model, String tokenizer, String adapter, Integer bidirectionalFrom, String pooling, String prompt,
                             boolean normalize, Integer maxTokens, boolean truncate) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public EmbedderRecipe {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("an embedder recipe needs a model path");
        if (pooling == null) pooling = Pooling.LAST.toString();
        Pooling.parse(pooling);
        if (prompt != null && !prompt.contains("{text}")) throw new IllegalArgumentException("prompt template must contain {text}: " + prompt);
    }

    /** A recipe for {@code model} with bellm's defaults: causal, last-token pooling, no prompt, not normalised. */
    public static EmbedderRecipe of(Path model) {
        return new EmbedderRecipe(model.toString(), null, null, null, null, null, false, null, false);
    }

    public EmbedderRecipe withPrompt(String template) {
        return new EmbedderRecipe(model, tokenizer, adapter, bidirectionalFrom, pooling, template, normalize, maxTokens, truncate);
    }

    /** A builder set up by this recipe; add run-time settings (threads, batch size, kernels) and build. */
    public Embedder.Builder builder() {
        Embedder.Builder b = Embedder.builder().model(Path.of(model)).pooling(Pooling.parse(pooling)).prompt(prompt).normalize(normalize)
                .truncation(truncate ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        if (tokenizer != null) b.tokenizer(Path.of(tokenizer));
        if (adapter != null) b.adapter(Path.of(adapter));
        if (bidirectionalFrom != null) b.bidirectionalFrom(bidirectionalFrom);
        if (maxTokens != null) b.maxTokens(maxTokens);
        return b;
    }

    /** The recipe as JSON keys (snake_case, nulls kept so a reader sees every setting). */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("model", model);
        m.put("tokenizer", tokenizer);
        m.put("adapter", adapter);
        m.put("bidirectional_from", bidirectionalFrom);
        m.put("pooling", pooling);
        m.put("prompt", prompt);
        m.put("normalize", normalize);
        m.put("max_tokens", maxTokens);
        m.put("truncate", truncate);
        return m;
    }

    public static EmbedderRecipe fromMap(Map<String, ?> m) {
        return new EmbedderRecipe((String) m.get("model"), (String) m.get("tokenizer"), (String) m.get("adapter"),
                m.get("bidirectional_from") == null ? null : ((Number) m.get("bidirectional_from")).intValue(), (String) m.get("pooling"),
                (String) m.get("prompt"), Boolean.TRUE.equals(m.get("normalize")),
                m.get("max_tokens") == null ? null : ((Number) m.get("max_tokens")).intValue(), Boolean.TRUE.equals(m.get("truncate")));
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
