package dev.bellm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.Zoo;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every published-model case of {@code fixtures/zoo}, through the library with only the folder's own settings: the
 * token ids the encoder feeds the model (an independent tokenizer's), and the vector (an independent float64 engine's).
 */
class ZooTest {
    @TestFactory
    List<DynamicTest> everyCaseMatchesWithTheFoldersOwnRecipe() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Zoo.models()) tests.add(DynamicTest.dynamicTest(model, () -> check(model)));
        return tests;
    }

    private static void check(String model) {
        JsonNode m = Zoo.model(model);
        SafetensorsFile expected = SafetensorsFile.open(Zoo.path(m.get("expected").asText()));
        List<String> texts = Zoo.texts();
        Embedder.Builder b = Embedder.builder().model(Zoo.path(model)).threads(2);
        Zoo.adapters(model).forEach(b::adapter);
        try (Embedder e = b.build()) {
            for (JsonNode c : m.get("cases")) {
                String key = c.get("key").asText();
                String text = texts.get(c.get("text_index").asInt());
                String promptName = c.get("prompt_name").isNull() ? null : c.get("prompt_name").asText();
                Integer dims = c.get("dimensions").isNull() ? null : c.get("dimensions").asInt();
                assertArrayEquals(Zoo.ids(c), e.tokens(text, promptName, 0), model + " " + key + ": token ids");
                float[] got = e.embed(List.of(text), promptName, dims, done -> {}).vectors()[0];
                double err = Zoo.error(got, expected.doubles(key));
                assertTrue(err <= Zoo.TOLERANCE, model + " " + key + ": error " + err);
            }
        }
    }

    /** The largest error over a model's cases with {@code change} applied to the folder's recipe. */
    private static double worstError(String model, java.util.function.Consumer<Embedder.Builder> change, List<Path> adapters) {
        Embedder.Builder b = Embedder.builder().model(Zoo.path(model)).threads(2);
        adapters.forEach(b::adapter);
        change.accept(b);
        try (Embedder e = b.build()) {
            return Zoo.worstError(model, (text, promptName) -> e.embed(List.of(text), promptName).vectors()[0]);
        }
    }

    /** Each convention the folders state is needed: dropping any one of them misses the published vectors. */
    @Test
    void eachPublishedConventionMatters() {
        assertTrue(worstError("gte-qwen2", Embedder.Builder::causal, List.of()) > 1e-2, "is_causal false: every layer bidirectional");
        assertTrue(worstError("llm2vec", b -> b.includePrompt(true), Zoo.adapters("llm2vec")) > 1e-2, "include_prompt false");
        assertTrue(worstError("llm2vec", b -> {}, Zoo.adapters("llm2vec").subList(0, 1)) > 1e-2, "the second adapter adds its delta");
        assertTrue(worstError("llm2vec", Embedder.Builder::causal, Zoo.adapters("llm2vec")) > 1e-2, "use_bidirectional_attention");
        assertTrue(worstError("st-dense", b -> b.dense(List.of()).dimensions(24), List.of()) > 1e-2, "the dense heads");
        assertTrue(worstError("st-dense", b -> b.prompts(Zoo.model("st-dense").get("prompts").properties().stream()
                .collect(java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey, e -> e.getValue().asText())), null), List.of()) > 1e-2,
                "default_prompt_name document");
        assertTrue(worstError("qwen3-embedding", b -> b.normalize(false), List.of()) > 1e-2, "Normalize module");
        assertTrue(worstError("e5-mistral", b -> b.pooling(Pooling.MEAN), List.of()) > 1e-2, "last-token pooling");
    }

    /**
     * Truncation cuts the text, not the template: with last-token pooling the sequence still ends on the EOS the
     * tokenizer appends (Qwen3's post-processor; e5-mistral's add_eos_token) and starts with the whole prompt, and its
     * vector is the untruncated encoder's vector of that shorter text.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-embedding", "e5-mistral"})
    void truncationKeepsThePromptAndTheAppendedEos(String model) {
        String text = Zoo.texts().get(11);
        JsonNode query = null;
        for (JsonNode c : Zoo.model(model).get("cases")) if (c.get("key").asText().equals("query.11")) query = c;
        int[] full = Zoo.ids(query);
        int eos = full[full.length - 1], limit = full.length - 6;
        try (Embedder cut = Embedder.builder().model(Zoo.path(model)).threads(2).maxTokens(limit).truncation(Embedder.Truncation.KEEP_START).build();
             Embedder whole = Embedder.builder().model(Zoo.path(model)).threads(2).build()) {
            int[] ids = cut.tokens(text, "query", 0);
            assertTrue(ids.length <= limit && ids.length >= limit - 3, "fills the limit: " + ids.length + " of " + limit);
            assertEquals(eos, ids[ids.length - 1], "ends on the appended EOS");
            int[] promptAlone = whole.tokens("", "query", 0);
            // the prompt's tokens, all but the boundary token and the EOS, come first
            for (int k = 0; k < promptAlone.length - 2; k++) assertEquals(promptAlone[k], ids[k], "prompt token " + k);
            Embedder.Embeddings r = cut.embed(List.of(text), "query");
            assertEquals(1, r.truncated());
            String kept = null;
            for (int n = text.length(); n >= 0 && kept == null; n--) {
                if (java.util.Arrays.equals(whole.tokens(text.substring(0, n), "query", 0), ids)) kept = text.substring(0, n);
            }
            assertTrue(kept != null && kept.length() < text.length(), "the sequence is the prompt around a start of the text");
            assertArrayEquals(whole.embed(List.of(kept), "query").vectors()[0], r.vectors()[0]);
            var refused = assertThrows(TooManyTokensException.class,
                    () -> Embedder.builder().model(Zoo.path(model)).threads(2).maxTokens(limit).build().embed(List.of(text), "query"));
            assertEquals(full.length, refused.tokens());
        }
    }
}
