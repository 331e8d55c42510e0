package dev.bellm.server;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal: its status, and the error in the shape of the API it came through. */
@SharedData
class ErrorPathsTest {
    private static final String KEY = "s3cret";
    private static EmbeddingServer server;
    private static HttpTestClient client;

    @BeforeAll
    static void start() throws Exception {
        ServerOptions o = TestEncoders.options().withApiKey(KEY).withPayloadLimit(4096).withMaxClientBatchSize(8);
        server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), o);
        client = new HttpTestClient(server, KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Asserts OpenAI's error shape {"error":{"message","type","param","code"}} and returns the error object. */
    private static JsonNode openAiError(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = HttpTestClient.json(r).get("error");
        for (String f : new String[] {"message", "type", "param", "code"}) assertTrue(error.has(f), "no '" + f + "' in " + r.body());
        return error;
    }

    private static JsonNode teiError(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = HttpTestClient.json(r);
        assertTrue(body.get("error").isTextual() && body.get("error_type").isTextual(), r.body());
        return body;
    }

    @Test
    void malformedJsonIs400NamingTheField() throws Exception {
        JsonNode e = openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\": [\"a\", }"), 400);
        assertEquals("input", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("malformed JSON"), e.toString());
        teiError(client.post("/embed", "{\"inputs\": "), 400);
    }

    @Test
    void wrongTypesAre400NamingTheField() throws Exception {
        assertEquals("input", openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":{\"x\":1}}"), 400).get("param").asText());
        assertEquals("encoding_format", openAiError(client.post("/v1/embeddings",
                "{\"model\":\"lora\",\"input\":\"a\",\"encoding_format\":\"int8\"}"), 400).get("param").asText());
        assertEquals("dimensions", openAiError(client.post("/v1/embeddings",
                "{\"model\":\"lora\",\"input\":\"a\",\"dimensions\":0}"), 400).get("param").asText());
        assertEquals("dimensions", openAiError(client.post("/v1/embeddings",
                "{\"model\":\"lora\",\"input\":\"a\",\"dimensions\":65}"), 400).get("param").asText());
        assertEquals("model", openAiError(client.post("/v1/embeddings", "{\"input\":\"a\"}"), 400).get("param").asText());
        assertEquals("input", openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":[1, 2.5]}"), 400).get("param").asText());
        assertEquals("input", openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":[[1, 99999]]}"), 400).get("param").asText());
    }

    @Test
    void emptyInputIs400() throws Exception {
        assertEquals("input", openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":\"\"}"), 400).get("param").asText());
        openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":[]}"), 400);
        openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":[\"ok\", \"\"]}"), 400);
        openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":[[]]}"), 400);
        teiError(client.post("/embed", "{\"inputs\":\"\"}"), 400);
        teiError(client.post("/embed", "{\"inputs\":[]}"), 400);
        teiError(client.post("/embed", ""), 400);
    }

    @Test
    void unknownModelIs404InOpenAisShape() throws Exception {
        JsonNode e = openAiError(client.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}"), 404);
        assertEquals("model", e.get("param").asText());
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("invalid_request_error", e.get("type").asText());
        teiError(client.post("/embed", "{\"inputs\":\"a\",\"model\":\"nope\"}"), 404);
        teiError(client.get("/no/such/route"), 404);
    }

    @Test
    void missingOrWrongApiKeyIs401() throws Exception {
        HttpTestClient anonymous = new HttpTestClient(server, null), wrong = new HttpTestClient(server, "s3creT");
        String body = "{\"model\":\"lora\",\"input\":\"a\"}";
        assertEquals("invalid_api_key", openAiError(anonymous.post("/v1/embeddings", body), 401).get("code").asText());
        openAiError(wrong.post("/v1/embeddings", body), 401);
        teiError(wrong.post("/embed", "{\"inputs\":\"a\"}"), 401);
        teiError(wrong.get("/metrics"), 401);
        assertEquals(200, anonymous.get("/health").statusCode(), "health probes need no key");
        assertEquals(200, client.post("/v1/embeddings", body).statusCode());
    }

    @Test
    void bodyOverThePayloadLimitIs413() throws Exception {
        String big = "{\"model\":\"lora\",\"input\":\"" + "word ".repeat(1000) + "\"}";
        openAiError(client.post("/v1/embeddings", big), 413);
        teiError(client.post("/embed", "{\"inputs\":\"" + "word ".repeat(1000) + "\"}"), 413);
    }

    @Test
    void tooManyInputsIs422() throws Exception {
        String nine = "[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]";
        openAiError(client.post("/v1/embeddings", "{\"model\":\"lora\",\"input\":" + nine + "}"), 422);
        teiError(client.post("/embed", "{\"inputs\":" + nine + "}"), 422);
        teiError(client.post("/tokenize", "{\"inputs\":" + nine + "}"), 422);
    }

    @Test
    void wrongMethodIs405() throws Exception {
        openAiError(client.get("/v1/embeddings"), 405);
    }

    @Test
    void unknownPromptNameAndDirectionAre422() throws Exception {
        teiError(client.post("/embed", "{\"inputs\":\"a\",\"prompt_name\":\"query\"}"), 422);
        teiError(client.post("/embed", "{\"inputs\":\"a\",\"truncation_direction\":\"Middle\"}"), 422);
    }
}
