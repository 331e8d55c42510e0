package dev.bellm.server;

import dev.bellm.SharedData;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.bellm.embed.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bellm.server.TestEncoders.TEXTS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The official OpenAI Java SDK and LangChain4j's OpenAiEmbeddingModel, with their default settings (base64),
 * get from the server exactly the vectors {@link Embedder} gives, for the base and for each adapter.
 */
@SharedData
class RealClientsTest {
    private static final String KEY = "test-key-123";
    private static EmbeddingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddingServer.startAndWarmUp(TestEncoders.served(true), TestEncoders.options().withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static float[][] expected(String model) {
        return TestEncoders.embedder(TestEncoders.adapterFor(model)).normalize(true).build().embed(TEXTS).vectors();
    }

    private static float[] floats(List<Float> list) {
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) v[i] = list.get(i);
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {TestEncoders.BASE, TestEncoders.LORA, TestEncoders.LORA2})
    void openAiSdkGetsEmbeddersVectorsBitForBit(String model) {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey(KEY).build();
        try {
            CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model(model).inputOfArrayOfStrings(TEXTS).build());
            float[][] expected = expected(model);
            assertEquals(TEXTS.size(), r.data().size());
            assertEquals(model, r.model());
            for (int i = 0; i < TEXTS.size(); i++) {
                assertEquals(i, r.data().get(i).index());
                assertArrayEquals(expected[i], floats(r.data().get(i).embedding()), model + " text " + i);
            }
            int tokens = 0;
            Embedder e = TestEncoders.embedder(null).build();
            for (String t : TEXTS) tokens += e.tokenize(t).length;
            assertEquals(tokens, r.usage().promptTokens());
            assertEquals(tokens, r.usage().totalTokens());
        } finally {
            client.close();
        }
    }

    @Test
    void openAiSdkWithFloatEncodingAndOneStringAgrees() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey(KEY).build();
        try {
            CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model(TestEncoders.LORA)
                    .input(TEXTS.get(2)).encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
            assertArrayEquals(expected(TestEncoders.LORA)[2], floats(r.data().getFirst().embedding()));
        } finally {
            client.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestEncoders.BASE, TestEncoders.LORA, TestEncoders.LORA2})
    void langChain4jGetsEmbeddersVectorsBitForBit(String model) {
        OpenAiEmbeddingModel lc = OpenAiEmbeddingModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey(KEY).modelName(model).build();
        List<Embedding> got = lc.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
        float[][] expected = expected(model);
        for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(expected[i], got.get(i).vector(), model + " text " + i);
    }

    /** LangChain4j 1.19 sends no encoding_format by default (floats); with base64 asked for it decodes that too. */
    @Test
    void langChain4jWithBase64GetsTheSameBits() {
        OpenAiEmbeddingModel lc = OpenAiEmbeddingModel.builder().baseUrl(server.baseUrl() + "/v1").apiKey(KEY)
                .modelName(TestEncoders.LORA2).encodingFormat("base64").build();
        List<Embedding> got = lc.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
        float[][] expected = expected(TestEncoders.LORA2);
        for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(expected[i], got.get(i).vector(), "text " + i);
    }

    @Test
    void theServedModelsReallyDiffer() {
        float[][] base = expected(TestEncoders.BASE), lora = expected(TestEncoders.LORA), x4 = expected(TestEncoders.LORA2);
        assertFalse(java.util.Arrays.equals(base[0], lora[0]));
        assertFalse(java.util.Arrays.equals(lora[0], x4[0]));
    }
}
