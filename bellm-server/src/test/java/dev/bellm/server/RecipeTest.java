package dev.bellm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.SharedData;
import dev.bellm.Zoo;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.io.PeftAdapter;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each served model runs its own recipe: an adapter folder's recipe (attention, pooling, prompts, normalisation,
 * Matryoshka) gives exactly what {@code bellm embed --model BASE --adapter DIR} gives, and a zoo model's named prompts
 * and dimensions give {@link Embedder}'s vectors, which meet the zoo's independently computed ones.
 */
@SharedData
class RecipeTest {
    private static final List<String> TEXTS = TestEncoders.TEXTS;

    private static float[] vector(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).floatValue();
        return v;
    }

    /** The fixture adapter with a recipe of its own, unlike the base's (causal, last token, no prompt, no normalisation). */
    private static Path adapterWithRecipe(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String f : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) Files.copy(TestEncoders.lora().resolve(f), dir.resolve(f));
        EncoderSpec recipe = EncoderSpec.builder().bidirectionalFrom(1).pooling(Pooling.MEAN).includePrompt(false)
                .prompts(Map.of("query", "query: ", "passage", "Represent {text} in one word:\""), "passage")
                .normalize(true).dimensions(48).build();
        EncoderFolder.write(dir, recipe, 64, 4);
        return dir;
    }

    @Test
    void anAdapterFolderServesItsOwnRecipe(@TempDir Path tmp) throws Exception {
        Path recipeAdapter = adapterWithRecipe(tmp.resolve("recipe-adapter"));
        Map<String, Path> adapters = new LinkedHashMap<>();
        adapters.put("plain", TestEncoders.lora()); // states no recipe: the base's
        adapters.put("own", recipeAdapter);
        Embedder base = Embedder.builder().model(TestEncoders.base()).threads(2).build();
        ServedEncoder served = new ServedEncoder(base, "base", adapters);
        // the oracles: what bellm embed --model BASE [--adapter DIR] builds
        Map<String, Embedder> oracle = Map.of("base", Embedder.builder().model(TestEncoders.base()).threads(2).build(),
                "plain", Embedder.builder().model(TestEncoders.base()).adapter(TestEncoders.lora()).threads(2).build(),
                "own", Embedder.builder().model(TestEncoders.base()).adapter(recipeAdapter).threads(2).build());
        assertEquals(Pooling.MEAN, oracle.get("own").pooling()); // the oracle itself reads the adapter's recipe
        // one call mixing the three recipes (two attention groups), as the batcher makes it
        List<String> order = List.of("own", "base", "plain", "own", "base");
        int[][] seqs = new int[order.size()][];
        ServedEncoder.Model[] ms = new ServedEncoder.Model[order.size()];
        int[] skips = new int[order.size()];
        for (int i = 0; i < seqs.length; i++) {
            ms[i] = served.model(order.get(i)).orElseThrow();
            seqs[i] = ms[i].encoder().tokenize(TEXTS.get(i), null);
            skips[i] = ms[i].encoder().meanSkip(null);
        }
        float[][] pooled = served.embed(seqs, ms, skips);
        for (int i = 0; i < seqs.length; i++) {
            Embedder e = ms[i].encoder();
            assertArrayEquals(oracle.get(order.get(i)).embed(TEXTS.get(i)), e.finish(pooled[i], e.outputDimension(null)), order.get(i) + " " + i);
        }
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(served, TestEncoders.options());
             ExecutorService pool = Executors.newFixedThreadPool(6)) {
            HttpTestClient client = new HttpTestClient(server, null);
            // concurrent requests, so batches mix the three recipes (two attention groups)
            List<String> models = List.of("base", "own", "plain", "own", "base", "own");
            List<String> prompts = new ArrayList<>(java.util.Arrays.asList(null, null, null, "query", null, "passage"));
            List<Integer> dims = new ArrayList<>(java.util.Arrays.asList(null, null, null, 16, null, null));
            List<Future<HttpResponse<String>>> replies = new ArrayList<>();
            for (int k = 0; k < models.size(); k++) {
                StringBuilder body = new StringBuilder("{\"model\":\"" + models.get(k) + "\",\"normalize\":false,\"inputs\":"
                        + HttpTestClient.JSON.writeValueAsString(TEXTS));
                if (prompts.get(k) != null) body.append(",\"prompt_name\":\"").append(prompts.get(k)).append('"');
                if (dims.get(k) != null) body.append(",\"dimensions\":").append(dims.get(k));
                String b = body.append('}').toString();
                replies.add(pool.submit(() -> client.post("/embed", b)));
            }
            for (int k = 0; k < models.size(); k++) {
                HttpResponse<String> r = replies.get(k).get();
                assertEquals(200, r.statusCode(), r.body());
                float[][] expected = oracle.get(models.get(k)).embed(TEXTS, prompts.get(k), dims.get(k), done -> {}).vectors();
                JsonNode got = HttpTestClient.json(r);
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertArrayEquals(expected[i], vector(got.get(i)), models.get(k) + " " + prompts.get(k) + " text " + i);
                }
            }
            assertEquals(48, HttpTestClient.json(client.post("/embed", "{\"model\":\"own\",\"inputs\":\"a\"}")).get(0).size());
            JsonNode recipes = HttpTestClient.json(client.get("/info")).get("recipes");
            assertEquals("mean", recipes.get("own").get("pooling").asText());
            assertEquals("passage", recipes.get("own").get("default_prompt_name").asText());
            assertEquals(48, recipes.get("own").get("dimension").asInt());
            assertEquals("last", recipes.get("plain").get("pooling").asText());
        } finally {
            oracle.values().forEach(Embedder::close);
            base.close();
        }
    }

    @Test
    void zooPromptsAndDimensionsMatchTheEmbedderAndThePublishedVectors() throws Exception {
        String name = "qwen3-embedding";
        JsonNode m = Zoo.model(name);
        SafetensorsFile expected = SafetensorsFile.open(Zoo.path(m.get("expected").asText()));
        try (Embedder oracle = Embedder.builder().model(Zoo.path(name)).threads(2).build();
             Embedder base = Embedder.load(Zoo.path(name));
             EmbeddingServer server = EmbeddingServer.startAndWarmUp(new ServedEncoder(base, name, Map.of()), TestEncoders.options())) {
            HttpTestClient client = new HttpTestClient(server, null);
            int checked = 0;
            for (JsonNode c : m.get("cases")) {
                String text = Zoo.texts().get(c.get("text_index").asInt());
                String promptName = c.get("prompt_name").isNull() ? null : c.get("prompt_name").asText();
                Integer dims = c.get("dimensions").isNull() ? null : c.get("dimensions").asInt();
                StringBuilder body = new StringBuilder("{\"inputs\":" + HttpTestClient.JSON.writeValueAsString(text));
                if (promptName != null) body.append(",\"prompt_name\":\"").append(promptName).append('"');
                if (dims != null) body.append(",\"dimensions\":").append(dims);
                HttpResponse<String> r = client.post("/embed", body.append('}').toString());
                assertEquals(200, r.statusCode(), r.body());
                float[] got = vector(HttpTestClient.json(r).get(0));
                String key = c.get("key").asText();
                assertArrayEquals(oracle.embed(List.of(text), promptName, dims, done -> {}).vectors()[0], got, key);
                assertTrue(Zoo.error(got, expected.doubles(key)) <= Zoo.TOLERANCE, key);
                if (promptName == null) { // OpenAI's route has no prompt name: the recipe's default
                    String o = "{\"model\":\"" + name + "\",\"input\":" + HttpTestClient.JSON.writeValueAsString(text)
                            + (dims != null ? ",\"dimensions\":" + dims : "") + "}";
                    assertArrayEquals(got, vector(HttpTestClient.json(client.post("/v1/embeddings", o)).get("data").get(0).get("embedding")), key);
                }
                checked++;
            }
            assertTrue(checked >= 4, "cases checked: " + checked);

            HttpResponse<String> unknown = client.post("/embed", "{\"inputs\":\"a\",\"prompt_name\":\"nope\"}");
            assertEquals(422, unknown.statusCode(), unknown.body());
            assertTrue(HttpTestClient.json(unknown).get("error").asText().contains("query"), unknown.body());
            assertEquals("Validation", HttpTestClient.json(unknown).get("error_type").asText(), unknown.body());
            int full = oracle.outputDimension(null);
            HttpResponse<String> tooWide = client.post("/v1/embeddings", "{\"model\":\"" + name + "\",\"input\":\"a\",\"dimensions\":" + (full + 1) + "}");
            assertEquals(400, tooWide.statusCode(), tooWide.body());
            JsonNode error = HttpTestClient.json(tooWide).get("error");
            assertEquals("dimensions", error.get("param").asText(), tooWide.body());
            assertTrue(error.get("message").asText().contains("1.." + full), tooWide.body());
            JsonNode recipe = HttpTestClient.json(client.get("/info")).get("recipes").get(name);
            assertTrue(recipe.get("prompts").has("query"), recipe.toString());
            assertTrue(recipe.get("normalize").asBoolean());
        }
    }
}
