package dev.bellm.server;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backpressure, client disconnects, readiness, metrics, graceful shutdown, and many clients mixing adapters. */
@SharedData
class OperationsTest {
    private static final String LORA_BODY = "{\"model\":\"lora\",\"input\":\"the cat sleeps\",\"encoding_format\":\"base64\"}";

    /** A request body that is sent only when {@link #open} is called: the request stays in flight until then. */
    private static final class GatedBody implements Flow.Publisher<ByteBuffer> {
        final byte[] bytes;
        final CountDownLatch gate = new CountDownLatch(1);

        GatedBody(String body) {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        }

        void open() {
            gate.countDown();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
            s.onSubscribe(new Flow.Subscription() {
                boolean sent;

                @Override
                public void request(long n) {
                    if (sent) return;
                    sent = true;
                    Thread.ofVirtual().start(() -> {
                        try {
                            gate.await();
                            s.onNext(ByteBuffer.wrap(bytes));
                            s.onComplete();
                        } catch (InterruptedException e) {
                            s.onError(e);
                        }
                    });
                }

                @Override
                public void cancel() {}
            });
        }

        HttpRequest.BodyPublisher publisher() {
            return HttpRequest.BodyPublishers.fromPublisher(this, bytes.length);
        }
    }

    private static void awaitInFlight(EmbeddingServer server, int n) throws InterruptedException {
        for (int i = 0; i < 500 && server.inFlight() != n; i++) Thread.sleep(10);
        assertEquals(n, server.inFlight());
    }

    static float[] decodeBase64(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void pastMaxConcurrentRequestsIs429WithRetryAfterAndADisconnectFreesTheSlot() throws Exception {
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), TestEncoders.options().withMaxConcurrentRequests(1))) {
            HttpTestClient client = new HttpTestClient(server, null);
            GatedBody body = new GatedBody(LORA_BODY);
            CompletableFuture<HttpResponse<String>> slow = client.http.sendAsync(client.request("/v1/embeddings").POST(body.publisher()).build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitInFlight(server, 1);
            HttpResponse<String> refused = client.post("/v1/embeddings", LORA_BODY);
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("rate_limit_error", HttpTestClient.json(refused).get("error").get("type").asText());
            HttpResponse<String> teiRefused = client.post("/embed", "{\"inputs\":\"a\"}");
            assertEquals(429, teiRefused.statusCode());
            assertEquals("Overloaded", HttpTestClient.json(teiRefused).get("error_type").asText());

            slow.cancel(true); // the client goes away mid-request: its connection closes and its slot comes free
            awaitInFlight(server, 0);
            assertEquals(200, client.post("/v1/embeddings", LORA_BODY).statusCode());
        }
    }

    private static double metric(HttpTestClient client, String name) throws Exception {
        for (String line : client.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1));
        }
        throw new AssertionError("no metric " + name);
    }

    @Test
    void aClientThatGoesAwayWhileQueuedGetsItsSlotBackOnceItsSequencesAreDone() throws Exception {
        // Jetty does not read an HTTP/1.1 connection while its request is handled, so a client that leaves after its
        // upload is noticed when the answer is written: its sequences are computed, then its slot comes free
        ServerOptions o = TestEncoders.options().withWarmupTexts(0).withMaxBatchTokens(64).withMaxClientBatchSize(4096)
                .withMaxConcurrentRequests(2);
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), o)) {
            HttpTestClient client = new HttpTestClient(server, null);
            int n = 1000;
            String body = HttpTestClient.JSON.writeValueAsString(java.util.Map.of("model", "lora", "input",
                    java.util.Collections.nCopies(n, "two dogs run across a field"), "encoding_format", "base64"));
            HttpRequest request = client.request("/v1/embeddings").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            CompletableFuture<HttpResponse<String>> first = client.http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            awaitInFlight(server, 1);
            CompletableFuture<HttpResponse<String>> second = client.http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            awaitInFlight(server, 2);
            second.cancel(true); // queued behind the first request's 1000 sequences
            assertEquals(200, first.get(120, TimeUnit.SECONDS).statusCode());
            for (int i = 0; i < 3000 && server.inFlight() != 0; i++) Thread.sleep(10);
            assertEquals(0, server.inFlight(), "the gone client still holds its slot");
            assertEquals(200, client.post("/v1/embeddings", LORA_BODY).statusCode());
            assertEquals(200, client.post("/v1/embeddings", LORA_BODY).statusCode());
            assertTrue(metric(client, "bellm_sequences_embedded_total") >= n + 2);
        }
    }

    @Test
    void healthSaysReadyOnlyAfterWarmUp() throws Exception {
        try (EmbeddingServer server = EmbeddingServer.start(TestEncoders.served(false), TestEncoders.options())) {
            HttpTestClient client = new HttpTestClient(server, null);
            HttpResponse<String> warming = client.get("/health");
            assertEquals(503, warming.statusCode());
            assertEquals("Unhealthy", HttpTestClient.json(warming).get("error_type").asText());
            server.warmUp();
            assertEquals(200, client.get("/health").statusCode());
        }
    }

    @Test
    void metricsCountRequestsBatchesAndTokens() throws Exception {
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), TestEncoders.options().withWarmupTexts(0))) {
            HttpTestClient client = new HttpTestClient(server, null);
            for (int i = 0; i < 3; i++) assertEquals(200, client.post("/v1/embeddings", LORA_BODY).statusCode());
            assertEquals(404, client.post("/v1/embeddings", "{\"model\":\"x\",\"input\":\"a\"}").statusCode());
            HttpResponse<String> m = client.get("/metrics");
            assertEquals(200, m.statusCode());
            assertTrue(m.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"), m.headers().toString());
            int tokens = TestEncoders.embedder(null).build().tokenize("the cat sleeps").length;
            String text = m.body();
            assertTrue(text.contains("bellm_requests_total{route=\"POST /v1/embeddings\",status=\"200\"} 3.0"), text);
            assertTrue(text.contains("bellm_requests_total{route=\"POST /v1/embeddings\",status=\"404\"} 1.0"), text);
            assertTrue(text.contains("bellm_tokens_embedded_total " + (3.0 * tokens)), text);
            assertTrue(text.contains("bellm_batch_tokens_count 3"), text);
            assertTrue(text.contains("bellm_request_duration_seconds_bucket{route=\"POST /v1/embeddings\",le=\"+Inf\"} 4"), text);
            assertTrue(text.contains("bellm_queue_sequences 0.0"), text);
        }
    }

    @Test
    void shutdownDrainsRequestsInFlightAndThenRefuses() throws Exception {
        EmbeddingServer server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), TestEncoders.options());
        HttpTestClient client = new HttpTestClient(server, null);
        GatedBody body = new GatedBody(LORA_BODY);
        CompletableFuture<HttpResponse<String>> inFlight = client.http.sendAsync(client.request("/v1/embeddings").POST(body.publisher()).build(),
                HttpResponse.BodyHandlers.ofString());
        awaitInFlight(server, 1);
        Thread closing = Thread.ofPlatform().start(server::close);
        Thread.sleep(300);
        assertTrue(closing.isAlive(), "close() must wait for the request in flight");
        body.open();
        HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        float[] expected = TestEncoders.embedder(TestEncoders.lora()).build().embed("the cat sleeps");
        assertArrayEquals(expected, decodeBase64(HttpTestClient.json(r).get("data").get(0).get("embedding").asText()));
        closing.join(30_000);
        assertThrows(java.io.IOException.class, () -> client.post("/v1/embeddings", LORA_BODY));
    }

    @Test
    void concurrentClientsOfDifferentAdaptersEachGetTheirOwnAdaptersBits() throws Exception {
        String[] models = {TestEncoders.BASE, TestEncoders.LORA, TestEncoders.LORA2};
        float[][][] expected = new float[models.length][][];
        for (int m = 0; m < models.length; m++) {
            expected[m] = TestEncoders.embedder(TestEncoders.adapterFor(models[m])).build().embed(TestEncoders.TEXTS).vectors();
        }
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(TestEncoders.served(false), TestEncoders.options());
             ExecutorService pool = Executors.newFixedThreadPool(24)) {
            HttpTestClient client = new HttpTestClient(server, null);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 96; c++) {
                int m = c % models.length, t = (c / models.length) % TestEncoders.TEXTS.size();
                done.add(pool.submit(() -> {
                    HttpResponse<String> r = client.post("/v1/embeddings", "{\"model\":\"" + models[m] + "\",\"input\":\""
                            + TestEncoders.TEXTS.get(t) + "\",\"encoding_format\":\"base64\"}");
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode d = HttpTestClient.json(r).get("data").get(0);
                    assertArrayEquals(expected[m][t], decodeBase64(d.get("embedding").asText()), models[m] + " text " + t);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        }
    }
}
