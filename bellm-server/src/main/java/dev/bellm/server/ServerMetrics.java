package dev.bellm.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;

/** The server's Prometheus metrics, in a registry of its own (two servers in one JVM do not share counts). */
final class ServerMetrics {
    private static final double[] BATCH_SEQUENCE_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
    private static final double[] BATCH_TOKEN_BOUNDS = {16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384};
    private static final double[] SECONDS_BOUNDS = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder().name("bellm_requests_total")
            .help("HTTP requests by route and status").labelNames("route", "status").register(registry);
    private final Histogram requestSeconds = Histogram.builder().name("bellm_request_duration_seconds")
            .help("Time from a request's arrival to its response, by route").labelNames("route")
            .classicOnly().classicUpperBounds(SECONDS_BOUNDS).register(registry);
    private final Gauge queueDepth = Gauge.builder().name("bellm_queue_sequences")
            .help("Sequences waiting for a batch").register(registry);
    private final Gauge inFlight = Gauge.builder().name("bellm_requests_in_flight")
            .help("Admitted requests not yet answered (bounded by --max-concurrent-requests)").register(registry);
    private final Histogram batchSequences = Histogram.builder().name("bellm_batch_sequences")
            .help("Sequences per computed batch").classicOnly().classicUpperBounds(BATCH_SEQUENCE_BOUNDS).register(registry);
    private final Histogram batchTokens = Histogram.builder().name("bellm_batch_tokens")
            .help("Tokens per computed batch").classicOnly().classicUpperBounds(BATCH_TOKEN_BOUNDS).register(registry);
    private final Histogram batchSeconds = Histogram.builder().name("bellm_batch_duration_seconds")
            .help("Forward pass time per batch").classicOnly().classicUpperBounds(SECONDS_BOUNDS).register(registry);
    private final Counter tokensEmbedded = Counter.builder().name("bellm_tokens_embedded_total")
            .help("Tokens that went through the model").register(registry);
    private final Counter sequencesEmbedded = Counter.builder().name("bellm_sequences_embedded_total")
            .help("Sequences that went through the model").register(registry);

    void request(String route, int status, double seconds) {
        requests.labelValues(route, Integer.toString(status)).inc();
        requestSeconds.labelValues(route).observe(seconds);
    }

    void queueDepth(int sequences) {
        queueDepth.set(sequences);
    }

    void inFlight(int requests) {
        inFlight.set(requests);
    }

    void batch(int sequences, int tokens, double seconds) {
        batchSequences.observe(sequences);
        batchTokens.observe(tokens);
        batchSeconds.observe(seconds);
        tokensEmbedded.inc(tokens);
        sequencesEmbedded.inc(sequences);
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
