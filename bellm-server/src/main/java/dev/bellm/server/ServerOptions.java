package dev.bellm.server;

import java.time.Duration;

/**
 * How the server listens and how much it takes on.
 *
 * @param host                  address to bind; loopback unless told otherwise
 * @param port                  0 for any free port
 * @param maxBatchTokens        tokens per packed batch (a longer single input still runs alone)
 * @param maxConcurrentRequests embedding requests admitted at once; past it, 429
 * @param maxClientBatchSize    inputs per request; past it, 422
 * @param payloadLimit          request body bytes; past it, 413
 * @param apiKey                required as {@code Authorization: Bearer KEY}; null for none
 * @param shutdownTimeout       how long a shutdown waits for requests in flight
 * @param warmupTexts           texts embedded at start before {@code /health} says ready
 */
public record ServerOptions(String host, int port, int maxBatchTokens, int maxConcurrentRequests, int maxClientBatchSize,
                            int payloadLimit, String apiKey, Duration shutdownTimeout, int warmupTexts) {
    public static final String LOOPBACK = "127.0.0.1";
    /** A 2-core machine fills its cores with a batch of this size; larger ones only add latency. */
    public static final int DEFAULT_MAX_BATCH_TOKENS = 2048;
    /** TEI's default: well above the 200 clients of the load benchmark. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 512;
    public static final int DEFAULT_MAX_CLIENT_BATCH_SIZE = 2048;
    /** TEI's default payload limit, 2 MB. */
    public static final int DEFAULT_PAYLOAD_LIMIT = 2_000_000;

    public ServerOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must be given");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        positive("maxBatchTokens", maxBatchTokens);
        positive("maxConcurrentRequests", maxConcurrentRequests);
        positive("maxClientBatchSize", maxClientBatchSize);
        positive("payloadLimit", payloadLimit);
        if (apiKey != null && apiKey.isEmpty()) throw new IllegalArgumentException("an API key must not be empty");
        if (shutdownTimeout.isNegative()) throw new IllegalArgumentException("shutdownTimeout must not be negative");
        if (warmupTexts < 0) throw new IllegalArgumentException("warmupTexts must not be negative, got " + warmupTexts);
    }

    public static ServerOptions defaults() {
        return new ServerOptions(LOOPBACK, 8080, DEFAULT_MAX_BATCH_TOKENS, DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CLIENT_BATCH_SIZE,
                DEFAULT_PAYLOAD_LIMIT, null, Duration.ofSeconds(30), 64);
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withMaxBatchTokens(int n) {
        return new ServerOptions(host, port, n, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withMaxConcurrentRequests(int n) {
        return new ServerOptions(host, port, maxBatchTokens, n, maxClientBatchSize, payloadLimit, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withMaxClientBatchSize(int n) {
        return new ServerOptions(host, port, maxBatchTokens, maxConcurrentRequests, n, payloadLimit, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withPayloadLimit(int bytes) {
        return new ServerOptions(host, port, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, bytes, apiKey, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, payloadLimit, key, shutdownTimeout, warmupTexts);
    }

    public ServerOptions withShutdownTimeout(Duration d) {
        return new ServerOptions(host, port, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, d, warmupTexts);
    }

    public ServerOptions withWarmupTexts(int n) {
        return new ServerOptions(host, port, maxBatchTokens, maxConcurrentRequests, maxClientBatchSize, payloadLimit, apiKey, shutdownTimeout, n);
    }
}
