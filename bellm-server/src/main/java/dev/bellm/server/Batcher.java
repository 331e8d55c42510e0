package dev.bellm.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Merges the sequences of concurrent requests into packed batches of at most {@code maxBatchTokens} tokens
 * and runs them on one thread (the kernels spread each batch over the cores). A batch may mix the adapters of
 * the base (and their recipes); its sequences are grouped by adapter so that each adapter's LoRA runs once per batch. A request
 * whose client has gone away is cancelled and its waiting sequences are dropped before they are computed.
 */
final class Batcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Batcher.class);

    /**
     * What one request asks for: its sequences under one served model, sequence i with its first {@code skips[i]} tokens
     * left out of a mean; completes with their pooled vectors.
     */
    static final class Job extends CompletableFuture<float[][]> {
        final int[][] sequences;
        final ServedEncoder.Model model;
        final int[] skips;
        private final float[][] vectors;
        private final AtomicInteger remaining;

        Job(int[][] sequences, ServedEncoder.Model model, int[] skips) {
            this.sequences = sequences;
            this.model = model;
            this.skips = skips;
            this.vectors = new float[sequences.length][];
            this.remaining = new AtomicInteger(sequences.length);
        }

        private void done(int index, float[] vector) {
            vectors[index] = vector;
            if (remaining.decrementAndGet() == 0) complete(vectors);
        }
    }

    private record Item(Job job, int index) {
        int tokens() {
            return job.sequences[index].length;
        }
    }

    private final ServedEncoder encoder;
    private final int maxBatchTokens;
    private final ServerMetrics metrics;
    private final LinkedBlockingDeque<Item> queue = new LinkedBlockingDeque<>();
    private final Thread worker;
    private volatile boolean closing;

    Batcher(ServedEncoder encoder, int maxBatchTokens, ServerMetrics metrics) {
        if (maxBatchTokens <= 0) throw new IllegalArgumentException("maxBatchTokens must be positive, got " + maxBatchTokens);
        this.encoder = encoder;
        this.maxBatchTokens = maxBatchTokens;
        this.metrics = metrics;
        this.worker = Thread.ofPlatform().name("bellm-batcher").daemon().start(this::run);
    }

    /** Queues every sequence of the job; the job completes when the last one is computed. */
    Job submit(int[][] sequences, ServedEncoder.Model model, int[] skips) {
        if (closing) throw new IllegalStateException("the server is shutting down");
        Job job = new Job(sequences, model, skips);
        for (int i = 0; i < sequences.length; i++) queue.add(new Item(job, i));
        metrics.queueDepth(queue.size());
        return job;
    }

    private void run() {
        while (!closing || !queue.isEmpty()) {
            List<Item> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (!batch.isEmpty()) compute(batch);
        }
    }

    /** Waits for a first sequence, then takes waiting ones in order while they fit in the token budget. */
    private List<Item> nextBatch() throws InterruptedException {
        List<Item> batch = new ArrayList<>();
        Item first = queue.poll(100, TimeUnit.MILLISECONDS);
        int tokens = 0;
        for (Item item = first; item != null; item = queue.poll()) {
            if (item.job.isDone()) continue; // cancelled (client gone) or failed
            if (!batch.isEmpty() && tokens + item.tokens() > maxBatchTokens) {
                queue.addFirst(item);
                break;
            }
            batch.add(item);
            tokens += item.tokens();
        }
        metrics.queueDepth(queue.size());
        return batch;
    }

    private void compute(List<Item> items) {
        // group by adapter (stable: base first, then in order of first appearance) so each adapter's delta is one run
        Map<ServedEncoder.Model, Integer> order = new IdentityHashMap<>();
        for (Item it : items) order.putIfAbsent(it.job.model, it.job.model.adapter() == null ? -1 : order.size());
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt(it -> order.get(it.job.model)));
        int n = sorted.size(), tokens = 0;
        int[][] sequences = new int[n][];
        ServedEncoder.Model[] models = new ServedEncoder.Model[n];
        int[] skips = new int[n];
        for (int i = 0; i < n; i++) {
            sequences[i] = sorted.get(i).job.sequences[sorted.get(i).index];
            models[i] = sorted.get(i).job.model;
            skips[i] = sorted.get(i).job.skips[sorted.get(i).index];
            tokens += sequences[i].length;
        }
        long start = System.nanoTime();
        try {
            float[][] vectors = encoder.embed(sequences, models, skips);
            for (int i = 0; i < n; i++) sorted.get(i).job.done(sorted.get(i).index, vectors[i]);
            metrics.batch(n, tokens, (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException | Error e) {
            log.error("batch of {} sequences ({} tokens) failed", n, tokens, e);
            for (Item it : sorted) it.job.completeExceptionally(e);
        }
    }

    /** Computes what is queued, then stops the worker. */
    @Override
    public void close() {
        closing = true;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
    }
}
