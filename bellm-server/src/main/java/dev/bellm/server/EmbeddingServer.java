package dev.bellm.server;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * {@code bellm serve}: an embedding server speaking OpenAI's and text-embeddings-inference's APIs over one
 * {@link ServedEncoder}, on Jetty 12 with a virtual thread per request. Concurrent requests are merged into
 * packed batches (any mix of the served adapters); {@link #close} stops taking requests, lets those in flight
 * finish, then stops the batcher.
 *
 * <pre>{@code
 * try (EmbeddingServer s = EmbeddingServer.start(encoder, ServerOptions.defaults())) { s.join(); }
 * }</pre>
 */
public final class EmbeddingServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingServer.class);
    /** Short texts of different lengths, so warm-up compiles the paths real traffic takes. */
    private static final List<String> WARMUP = List.of("A man is playing a guitar.", "A woman is slicing an onion on a wooden board.",
            "Two dogs run across a field.", "The cat sleeps.",
            "A group of children are playing football in the park while their parents watch from the benches.");

    private final ServedEncoder encoder;
    private final ServerOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Batcher batcher;
    private final EmbeddingService service;
    private final Server jetty;
    private final ServerConnector connector;
    private volatile boolean ready;
    private volatile boolean closed;

    private EmbeddingServer(ServedEncoder encoder, ServerOptions options) {
        this.encoder = encoder;
        this.options = options;
        this.batcher = new Batcher(encoder, options.maxBatchTokens(), metrics);
        this.service = new EmbeddingService(encoder, batcher, options, metrics);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bellm-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(threads);
        HttpConnectionFactory http = new HttpConnectionFactory();
        http.getHttpConfiguration().setSendServerVersion(false);
        connector = new ServerConnector(jetty, http);
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setAcceptQueueSize(1024); // 200 clients connecting at once must not see refused connections
        jetty.addConnector(connector);
        jetty.setHandler(new GracefulHandler(new HttpApi(encoder, service, options, metrics, () -> ready)));
        jetty.setStopTimeout(options.shutdownTimeout().toMillis());
    }

    /** Binds and starts serving; {@code /health} says ready once {@link #warmUp} has run. */
    public static EmbeddingServer start(ServedEncoder encoder, ServerOptions options) throws Exception {
        EmbeddingServer s = new EmbeddingServer(encoder, options);
        try {
            s.jetty.start();
        } catch (Exception e) {
            s.close();
            throw e;
        }
        log.info("listening on http://{}:{} serving {}", options.host(), s.port(), encoder.names());
        return s;
    }

    /** Starts, warms the JIT, and marks the server ready. */
    public static EmbeddingServer startAndWarmUp(ServedEncoder encoder, ServerOptions options) throws Exception {
        EmbeddingServer s = start(encoder, options);
        s.warmUp();
        return s;
    }

    /** Embeds {@code warmupTexts} texts through every served model (compiling the hot paths), then reports ready. */
    public void warmUp() throws InterruptedException {
        long t0 = System.nanoTime();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < options.warmupTexts(); i++) texts.add(WARMUP.get(i % WARMUP.size()));
        for (int start = 0; start < texts.size(); start += 8) { // several small batches: the shapes traffic brings
            service.warmUp(texts.subList(start, Math.min(texts.size(), start + 8)));
        }
        ready = true;
        log.info("ready after warm-up on {} texts per model ({} ms)", texts.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Embedding requests admitted and not yet answered. */
    int inFlight() {
        return service.inFlight();
    }

    public boolean isReady() {
        return ready;
    }

    /** The bound port (the chosen one when the options said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /** Stops on SIGTERM (and any other JVM shutdown), draining what is in flight. */
    public EmbeddingServer closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("bellm-shutdown").unstarted(this::close));
        return this;
    }

    /** Refuses new requests, waits up to the shutdown timeout for those in flight, then stops the batcher. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        ready = false;
        log.info("shutting down: {} requests in flight", service.inFlight());
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("stopping the HTTP server: {}", e.toString());
        }
        batcher.close();
        log.info("stopped");
    }
}
