package dev.bellm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.io.AtomicFiles;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.Kernels;
import dev.bellm.model.Batch;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.train.data.Batches;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.ScoredPair;
import dev.bellm.train.data.Triplet;
import dev.bellm.train.loss.AngleObjective;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * LoRA fine-tuning of a BeLLM encoder with the AnglE objective. Each optimizer step: for each of
 * {@code gradAccum} micro-batches, tokenize (prompt applied), run the training forward pass, pool, compute the
 * loss and its gradient, and run the backward pass into the LoRA gradients; then clip and take an AdamW step
 * with a linearly warmed-up and decayed learning rate.
 *
 * <p>Output directory: {@code adapter/} (the final PEFT adapter), {@code best/} (the adapter with the best
 * dev score, when a dev evaluation is given), each with the encoder's recipe ({@link EncoderFolder}), {@code checkpoint/} (parameters, Adam moments, step and
 * history, replaced atomically every {@code checkpointEvery} steps), {@code loss.csv} and {@code train.json}.
 * A run started again on the same directory with {@code resume} continues from the checkpoint and
 * produces the same losses as an uninterrupted run: data order, dropout masks and updates depend only on
 * the seed and the step.
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One optimizer step's figures. */
    public record Step(int step, int totalSteps, int epoch, double loss, double learningRate, double gradNorm, long tokens,
                       double tokensPerSecond) {}

    /** Receives progress; every method has a do-nothing default. */
    public interface Listener {
        default void started(int firstStep, int totalSteps) {}

        default void step(Step s) {}

        default void evaluated(int step, double devScore) {}
    }

    /** What a run produced. */
    public record Result(Path adapter, Path best, Double bestDevScore, Double initialDevScore, int steps, double seconds,
                         double tokensPerSecond) {
        /** The run's loss (and dev) curve, read back from its {@code loss.csv}. */
        public LossCurve curve() throws IOException {
            return LossCurve.read(adapter.getParent());
        }
    }

    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final String baseModelName;
    private final TrainOptions options;
    private final Transformer transformer;
    private final Embedder embedder;
    private final LoraGradients grads;
    private final AdamW optimizer;
    private final Map<String, int[]> tokenCache = new HashMap<>();

    /** Attaches fresh LoRA adapters (seeded by {@code options.seed}) to {@code base}. */
    public Trainer(ModelWeights base, Tokenizer tokenizer, String baseModelName, TrainOptions options, Kernels kernels) {
        options.validate();
        this.options = options;
        this.tokenizer = tokenizer;
        this.baseModelName = baseModelName;
        this.weights = LoraInit.attach(base, options.loraTargets, options.loraRank, options.loraAlpha, options.rsLora, options.seed);
        this.transformer = new Transformer(weights, kernels);
        // the adapters change in place: a prompt prefix computed now would go stale
        this.embedder = Embedder.builder().model(weights, tokenizer).kernels(kernels).spec(options.encoder).reusePromptPrefix(false).build();
        this.grads = new LoraGradients(weights);
        this.optimizer = new AdamW(weights, grads, 0.9, 0.999, 1e-8, options.weightDecay);
    }

    /** The model with the adapters being trained (they change in place). */
    public ModelWeights weights() {
        return weights;
    }

    /** An embedder over the adapters being trained, with the run's prompt, pooling and depth. */
    public Embedder embedder() {
        return embedder;
    }

    /**
     * Trains on {@code data} (all triplets or all scored pairs) and writes into {@code outDir}.
     *
     * @param devScore evaluated at the start, at each checkpoint and at the end (higher is better); null for none
     * @param resume   continue from {@code outDir/checkpoint} (which must exist and have the same options)
     */
    public Result train(List<Example> data, Path outDir, ToDoubleFunction<Embedder> devScore, boolean resume, Listener listener)
            throws IOException {
        if (data.isEmpty()) throw new IllegalArgumentException("no training examples");
        boolean triplets = data.getFirst() instanceof Triplet;
        AngleObjective objective = withLayout(options.objective, triplets);
        TrainingSetCheck.requireTrainable(data, objective);
        Files.createDirectories(outDir);
        try (OutputLock lock = OutputLock.acquire(outDir)) {
            return train(data, objective, triplets, outDir, devScore, resume, listener);
        }
    }

    private Result train(List<Example> data, AngleObjective objective, boolean triplets, Path outDir,
                         ToDoubleFunction<Embedder> devScore, boolean resume, Listener listener) throws IOException {
        List<List<Example>> micro = new ArrayList<>();
        List<Integer> epochOf = new ArrayList<>();
        for (int e = 0; e < options.epochs; e++) {
            for (List<Example> batch : Batches.of(data, options.batchSize, options.seed, e)) {
                micro.add(batch);
                epochOf.add(e);
            }
        }
        int totalSteps = (micro.size() + options.gradAccum - 1) / options.gradAccum;
        if (options.maxSteps > 0) totalSteps = Math.min(totalSteps, options.maxSteps);
        int warmup = (int) Math.round(options.warmupRatio * totalSteps);

        List<Map<String, Object>> history = new ArrayList<>();
        Double best = null, initial = null;
        int step = 0;
        long tokensSeen = 0;
        double secondsBefore = 0;
        if (resume) {
            JsonNode state = loadCheckpoint(outDir.resolve("checkpoint"));
            step = state.get("step").asInt();
            tokensSeen = state.get("tokens").asLong();
            secondsBefore = state.get("seconds").asDouble();
            if (state.hasNonNull("best_dev")) best = state.get("best_dev").asDouble();
            if (state.hasNonNull("initial_dev")) initial = state.get("initial_dev").asDouble();
            for (JsonNode h : state.get("history")) history.add(JSON.convertValue(h, LinkedHashMap.class));
        } else if (devScore != null) {
            initial = devScore.applyAsDouble(embedder);
            listener.evaluated(0, initial);
        }
        listener.started(step, totalSteps);
        long start = System.nanoTime();
        while (step < totalSteps) {
            double loss = 0;
            long tokens = 0;
            long stepStart = System.nanoTime();
            int last = Math.min(micro.size(), (step + 1) * options.gradAccum);
            for (int i = step * options.gradAccum; i < last; i++) {
                MicroResult r = microStep(micro.get(i), objective, triplets, i, last - step * options.gradAccum);
                loss += r.loss;
                tokens += r.tokens;
            }
            double gradNorm = optimizer.clipGradients(options.maxGradNorm);
            double lr = learningRate(step, warmup, totalSteps);
            optimizer.update(lr);
            step++;
            tokensSeen += tokens;
            double tps = tokens / ((System.nanoTime() - stepStart) / 1e9);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("epoch", epochOf.get(last - 1));
            row.put("loss", loss);
            row.put("lr", lr);
            row.put("grad_norm", gradNorm);
            history.add(row);
            listener.step(new Step(step, totalSteps, epochOf.get(last - 1), loss, lr, gradNorm, tokens, tps));
            boolean checkpoint = step == totalSteps || (options.checkpointEvery > 0 && step % options.checkpointEvery == 0);
            if (checkpoint) {
                if (devScore != null) {
                    double score = devScore.applyAsDouble(embedder);
                    row.put("dev", score);
                    listener.evaluated(step, score);
                    if (best == null || score > best) {
                        best = score;
                        saveAdapter(outDir.resolve("best"));
                    }
                }
                double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
                saveCheckpoint(outDir.resolve("checkpoint"), step, tokensSeen, seconds, best, initial, history);
                LossCurve.write(outDir.resolve(LossCurve.FILE), List.of("step", "epoch", "loss", "lr", "grad_norm", "dev"), history);
            }
        }
        double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
        Path adapter = outDir.resolve("adapter");
        saveAdapter(adapter);
        Result result = new Result(adapter, best == null ? null : outDir.resolve("best"), best, initial, step, seconds,
                tokensSeen / Math.max(seconds, 1e-9));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("base_model", baseModelName);
        summary.put("examples", data.size());
        summary.put("format", triplets ? "triplets" : "scored pairs");
        summary.put("options", options.toMap());
        summary.put("steps", step);
        summary.put("seconds", seconds);
        summary.put("tokens", tokensSeen);
        summary.put("tokens_per_second", result.tokensPerSecond());
        summary.put("initial_dev", initial);
        summary.put("best_dev", best);
        AtomicFiles.write(outDir.resolve("train.json"), JSON.writeValueAsBytes(summary));
        return result;
    }

    /** The PEFT adapter and, beside it, the encoder's recipe: loading the folder gives back the encoder trained here. */
    private void saveAdapter(Path dir) throws IOException {
        PeftAdapter.save(dir, weights, baseModelName, options.loraAlpha, options.rsLora);
        EncoderFolder.write(dir, options.encoder, weights.config().hiddenSize(), weights.config().numLayers());
    }

    private static AngleObjective withLayout(AngleObjective o, boolean triplets) {
        AngleObjective.Layout layout = triplets ? AngleObjective.Layout.TRIPLETS : AngleObjective.Layout.PAIRS;
        return new AngleObjective(o.cosineWeight(), o.cosineTau(), o.ibnWeight(), o.ibnTau(), o.angleWeight(), o.angleTau(), layout);
    }

    /** Linear warm-up from 0 over {@code warmup} steps, then linear decay to 0 at {@code total}. */
    double learningRate(int step, int warmup, int total) {
        if (step < warmup) return options.learningRate * (step + 1) / warmup;
        return options.learningRate * Math.max(0, total - step) / Math.max(1, total - warmup);
    }

    private record MicroResult(double loss, long tokens) {}

    /** Forward, loss and backward of one micro-batch; the gradient is scaled by 1/{@code accumulated}. */
    private MicroResult microStep(List<Example> batch, AngleObjective objective, boolean triplets, int index, int accumulated) {
        List<String> texts = new ArrayList<>();
        float[] labels = triplets ? null : new float[batch.size() * 2];
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.get(i);
            texts.addAll(e.texts());
            if (e instanceof ScoredPair p) labels[2 * i] = labels[2 * i + 1] = (float) p.label();
        }
        int[][] rows = new int[texts.size()][];
        for (int r = 0; r < rows.length; r++) rows[r] = tokens(texts.get(r));
        Batch packed = Batch.of(rows);
        int h = transformer.config().hiddenSize();
        float[] hidden = new float[packed.tokenCount() * h];
        Transformer.TrainingPass pass = transformer.trainingForward(packed, embedder.attention(),
                new Transformer.LoraDropout(options.loraDropout, options.seed * 1_000_003L + index), hidden);
        float[][] pooled = embedder.pooling().pool(hidden, packed, h);
        float[] flat = new float[rows.length * h], dFlat = new float[rows.length * h];
        for (int r = 0; r < rows.length; r++) System.arraycopy(pooled[r], 0, flat, r * h, h);
        double loss = objective.forward(flat, rows.length, h, labels, dFlat);
        float[][] dPooled = new float[rows.length][h];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < h; i++) dPooled[r][i] = dFlat[r * h + i] / accumulated;
        }
        float[] dHidden = new float[hidden.length];
        embedder.pooling().backward(dPooled, packed, h, dHidden);
        transformer.backward(pass, dHidden, grads);
        return new MicroResult(loss / accumulated, packed.tokenCount());
    }

    private int[] tokens(String text) {
        return tokenCache.computeIfAbsent(text, t -> embedder.tokens(t, null, 0));
    }

    // ---------------------------------------------------------------- checkpoints

    private void saveCheckpoint(Path dir, int step, long tokens, double seconds, Double best, Double initial,
                                List<Map<String, Object>> history) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("tokens", tokens);
        state.put("seconds", seconds);
        state.put("best_dev", best);
        state.put("initial_dev", initial);
        state.put("options", options.toMap());
        state.put("history", history);
        TrainingCheckpoint.save(dir, optimizer, state);
    }

    private JsonNode loadCheckpoint(Path dir) throws IOException {
        return TrainingCheckpoint.load(dir, optimizer, options.toMap(), "trained");
    }


}
