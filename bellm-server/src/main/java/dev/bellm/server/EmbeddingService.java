package dev.bellm.server;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * What an embedding request does, whichever API it came through: admission against the concurrency bound,
 * validation, tokenization and truncation, the batcher, then cutting to {@code dimensions} and normalising.
 * Vectors equal {@code Embedder}'s for the same text and settings, bit for bit.
 */
final class EmbeddingService {
    /** Vectors in input order, the served model's name, and the tokens the inputs had (after truncation). */
    record Result(float[][] vectors, String model, int promptTokens) {}

    private final ServedEncoder encoder;
    private final Batcher batcher;
    private final ServerOptions options;
    private final ServerMetrics metrics;
    private final Semaphore slots;

    EmbeddingService(ServedEncoder encoder, Batcher batcher, ServerOptions options, ServerMetrics metrics) {
        this.encoder = encoder;
        this.batcher = batcher;
        this.options = options;
        this.metrics = metrics;
        this.slots = new Semaphore(options.maxConcurrentRequests());
    }

    /** One of the {@code maxConcurrentRequests} places; closing it frees the place. */
    final class Slot implements AutoCloseable {
        private boolean released;

        @Override
        public void close() {
            if (released) return;
            released = true;
            slots.release();
            metrics.inFlight(inFlight());
        }
    }

    /**
     * Takes a place for a request from its arrival (body upload included) to its answer, or refuses it with 429
     * when all {@code maxConcurrentRequests} are taken.
     */
    Slot admit() {
        if (!slots.tryAcquire()) {
            throw new ApiException(429, "the server has " + options.maxConcurrentRequests()
                    + " requests in flight; retry shortly", null, "model_overloaded");
        }
        metrics.inFlight(inFlight());
        return new Slot();
    }

    /**
     * Embeds an admitted request.
     *
     * @param onSubmit receives the queued job, so the caller can cancel it when its client goes away
     * @throws CancellationException when the job was cancelled
     */
    Result embed(EmbedRequest request, Consumer<Batcher.Job> onSubmit) throws InterruptedException {
        ServedEncoder.Model model = resolve(request.model());
        int dims = model.encoder().outputDimension(request.dimensions());
        int[][] sequences = tokens(request, model);
        int[] skips = new int[sequences.length];
        int textSkip = model.encoder().meanSkip(request.promptName());
        // token-id inputs are embedded as given: every token pooled
        for (int i = 0; i < skips.length; i++) skips[i] = request.texts().get(i) != null ? textSkip : 0;
        Batcher.Job job = batcher.submit(sequences, model, skips);
        onSubmit.accept(job);
        float[][] pooled;
        try {
            pooled = job.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("embedding failed: " + e.getCause(), e.getCause());
        }
        int tokens = 0;
        for (int[] s : sequences) tokens += s.length;
        return new Result(finish(pooled, model, dims, request), model.name(), tokens);
    }

    int inFlight() {
        return options.maxConcurrentRequests() - slots.availablePermits();
    }

    /** The served model a request names; null names the base. */
    ServedEncoder.Model resolve(String name) {
        if (name == null) return encoder.model(encoder.baseName()).orElseThrow();
        return encoder.model(name).orElseThrow(() -> new ApiException(404, "the model '" + name
                + "' does not exist; this server serves " + encoder.names(), "model", "model_not_found"));
    }

    /**
     * Token ids of every input under the model's recipe and the request's prompt, checked against the vocabulary and the
     * token limit (cut where the request allows).
     */
    int[][] tokens(EmbedRequest request, ServedEncoder.Model model) {
        int n = request.size();
        if (n > options.maxClientBatchSize()) {
            throw ApiException.unprocessable("input", "batch size " + n + " is more than the maximum of "
                    + options.maxClientBatchSize() + " inputs per request", "validation");
        }
        int max = model.encoder().maxTokens();
        int[][] sequences = new int[n][];
        for (int i = 0; i < n; i++) {
            String text = request.texts().get(i);
            int[] ids = text != null ? model.encoder().tokenize(text, request.promptName()) : request.tokenIds().get(i);
            if (ids.length == 0) throw ApiException.invalid("input", "input " + i + " gives no tokens");
            if (text == null) checkVocabulary(ids, i);
            if (ids.length > max) {
                if (!request.truncate()) {
                    throw ApiException.unprocessable("input", "input " + i + " has " + ids.length + " tokens, more than the limit of "
                            + max + "; shorten it or ask for truncation", "context_length_exceeded");
                }
                ids = request.keepEnd() ? Arrays.copyOfRange(ids, ids.length - max, ids.length) : Arrays.copyOf(ids, max);
            }
            sequences[i] = ids;
        }
        return sequences;
    }

    private void checkVocabulary(int[] ids, int input) {
        for (int id : ids) {
            if (id < 0 || id >= encoder.vocabSize()) {
                throw ApiException.invalid("input", "input " + input + " has token id " + id + ", outside the vocabulary [0, "
                        + encoder.vocabSize() + ")");
            }
        }
    }

    /**
     * The model's recipe after pooling (dense heads, its normalisation, the Matryoshka cut to {@code dims}), as
     * {@code Embedder} does it; then, where the request asks for normalisation and the recipe does not normalise,
     * L2 normalisation (TEI's {@code normalize}).
     */
    private static float[][] finish(float[][] pooled, ServedEncoder.Model model, int dims, EmbedRequest request) {
        float[][] out = new float[pooled.length][];
        for (int i = 0; i < pooled.length; i++) {
            out[i] = model.encoder().finish(pooled[i].clone(), dims);
            if (request.normalize() && !model.encoder().spec().normalize()) ServedEncoder.normalize(out[i]);
        }
        return out;
    }

    /** Embeds a few texts through every served model so the JIT has compiled the hot paths before traffic. */
    void warmUp(List<String> texts) throws InterruptedException {
        for (String name : encoder.names()) {
            EmbedRequest r = new EmbedRequest(texts, Arrays.asList(new int[texts.size()][]), name, true, false, true, null, null, false);
            try (Slot slot = admit()) {
                embed(r, job -> {});
            }
        }
    }
}
