package dev.bellm.server;

import dev.bellm.SharedData;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.embed.Embedder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token limit: 422 over it, unless TEI's truncate asks to cut (then the vector is that of the cut text). */
@SharedData
class LimitsTest {
    private static final int MAX_TOKENS = 6;
    private static final String LONG = "a man is playing a guitar on the stage tonight";
    private static EmbeddingServer server;
    private static HttpTestClient client;

    @BeforeAll
    static void start() throws Exception {
        ServedEncoder served = new ServedEncoder(TestEncoders.embedder(null).maxTokens(MAX_TOKENS).build(), TestEncoders.BASE,
                java.util.Map.of(TestEncoders.LORA, TestEncoders.lora()));
        server = EmbeddingServer.startAndWarmUp(served, TestEncoders.options());
        client = new HttpTestClient(server, null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static float[] vector(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).floatValue();
        return v;
    }

    @Test
    void textOverTheTokenLimitIs422() throws Exception {
        HttpResponse<String> r = client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":\"" + LONG + "\"}");
        assertEquals(422, r.statusCode(), r.body());
        assertEquals("context_length_exceeded", HttpTestClient.json(r).get("error").get("code").asText());
        assertEquals(422, client.post("/embed", "{\"inputs\":\"" + LONG + "\"}").statusCode());
    }

    @Test
    void truncateKeepsTheStartLikeEmbedderDoes() throws Exception {
        HttpResponse<String> r = client.post("/embed", "{\"inputs\":[\"" + LONG + "\"],\"truncate\":true,\"normalize\":false,\"model\":\"lora\"}");
        assertEquals(200, r.statusCode(), r.body());
        Embedder e = TestEncoders.embedder(TestEncoders.lora()).maxTokens(MAX_TOKENS).truncation(Embedder.Truncation.KEEP_START).build();
        assertArrayEquals(e.embed(LONG), vector(HttpTestClient.json(r).get(0)));
    }

    @Test
    void leftTruncationKeepsTheEnd() throws Exception {
        HttpResponse<String> r = client.post("/embed", "{\"inputs\":\"" + LONG + "\",\"truncate\":true,\"truncation_direction\":\"Left\",\"normalize\":false}");
        assertEquals(200, r.statusCode(), r.body());
        Embedder e = TestEncoders.embedder(null).build();
        int[] ids = e.tokenize(LONG);
        float[] expected = e.embedTokens(new int[][] {Arrays.copyOfRange(ids, ids.length - MAX_TOKENS, ids.length)})[0];
        assertArrayEquals(expected, vector(HttpTestClient.json(r).get(0)));
    }

    @Test
    void teiNormalizesByDefaultAndCutsToDimensions() throws Exception {
        JsonNode v = HttpTestClient.json(client.post("/embed", "{\"inputs\":\"the cat\",\"dimensions\":8}")).get(0);
        assertEquals(8, v.size());
        double norm = 0;
        for (JsonNode x : v) norm += x.doubleValue() * x.doubleValue();
        assertEquals(1.0, norm, 1e-5);
        float[] full = TestEncoders.embedder(null).build().embed("the cat");
        float[] cut = Arrays.copyOf(full, 8);
        dev.bellm.embed.Pooling.normalize(cut);
        assertArrayEquals(cut, vector(v));
    }

    @Test
    void tokenIdsAreEmbeddedAsGiven() throws Exception {
        Embedder e = TestEncoders.embedder(null).build();
        int[] ids = e.tokenize("the cat sleeps");
        JsonNode r = HttpTestClient.json(client.post("/v1/embeddings", "{\"model\":\"tiny-llama\",\"input\":[" + Arrays.toString(ids) + "]}"));
        assertArrayEquals(e.embed("the cat sleeps"), vector(r.get("data").get(0).get("embedding")));
        assertEquals(ids.length, r.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void tokenizeInfoAndModelsDescribeTheServer() throws Exception {
        JsonNode tokens = HttpTestClient.json(client.post("/tokenize", "{\"inputs\":\"the cat\"}")).get(0);
        int[] ids = TestEncoders.embedder(null).build().tokenize("the cat");
        assertEquals(ids.length, tokens.size());
        for (int i = 0; i < ids.length; i++) assertEquals(ids[i], tokens.get(i).get("id").asInt());
        assertEquals("cat", tokens.get(2).get("text").asText());
        JsonNode info = HttpTestClient.json(client.get("/info"));
        assertEquals(MAX_TOKENS, info.get("max_input_length").asInt());
        assertEquals("tiny-llama", info.get("model_id").asText());
        assertEquals(2, info.get("recipes").get("tiny-llama").get("bidirectional_from").asInt());
        JsonNode models = HttpTestClient.json(client.get("/v1/models")).get("data");
        assertTrue(models.toString().contains("\"lora\""), models.toString());
    }
}
