package dev.bellm.experiments;

import dev.bellm.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.embed.Embedder;
import dev.bellm.model.AttentionLayers;
import dev.bellm.embed.Pooling;
import dev.bellm.kernels.Kernels;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * The BeLLM paper's central experiment for one model with L layers:
 * <ol>
 *   <li>the number k of bidirectional top layers, k = 0..L ({@code bidirectionalFrom} = L − k; k = 0 is the causal
 *       model), for each pooling, (a) frozen and (b) after identical LoRA training (same data, options and seed;
 *       each run in {@code runs/k<k>-<pooling>/} of the output folder);</li>
 *   <li>the degradation probe: the causal model cut to its first N layers, N = 1..L, frozen.</li>
 * </ol>
 * Every configuration is scored by one {@link Scorer} (the CLI's: STS-B dev Spearman ×100). Frozen and trained
 * configurations see the same inputs: the prompt and token limit ({@code maxLength}, longer inputs keep their start)
 * of the training options. A trained configuration is scored after its last step; the score is not used to pick a
 * checkpoint, so it is not selected on the data it reports.
 *
 * <p>Output folder: {@code sweep.csv} (one row per finished configuration, rewritten atomically as each one
 * finishes), {@code sweep.md} (tables and turning points), {@code sweep.json} (settings and {@link SweepSummary}),
 * {@code runs/}. A run on a folder that already has a {@code sweep.csv} skips the configurations in it, and a
 * training run that was interrupted continues from its checkpoint (see {@link Trainer}). The settings that decide
 * the scores (model, prompt, token limit, scorer; and the training data and options when both runs train) must
 * be those recorded in {@code sweep.json}; the selection of configurations may change.
 */
public final class Sweep {
    /** The base model, its tokenizer, and the name recorded in the settings and written into adapters. */
    public record Model(ModelWeights weights, Tokenizer tokenizer, String name) {
        public Model {
            Objects.requireNonNull(weights, "weights");
            Objects.requireNonNull(tokenizer, "tokenizer");
            Objects.requireNonNull(name, "name");
        }
    }

    /** How a configuration is scored (higher is better), and the name that identifies that scoring in the settings. */
    public record Scorer(String name, ToDoubleFunction<Embedder> score) {
        public Scorer {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(score, "score");
        }
    }

    /**
     * Training: the data (loaded only when a configuration trains) and its name for the settings, and a fresh copy
     * of the options per call; the sweep sets {@code bidirectionalFrom} and {@code pooling} in each copy.
     *
     * @param dataName null when there is no training data (then only frozen configurations can run)
     */
    public record Training(String dataName, Supplier<List<Example>> data, Supplier<TrainOptions> options) {
        public Training {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(options, "options");
        }
    }

    /** Receives progress; every method has a do-nothing default. */
    public interface Listener {
        /** Before the first configuration: how many will run and how many {@code sweep.csv} already has. */
        default void planned(int toRun, int alreadyDone) {}

        /** Configuration {@code index} (1-based) of {@code count} starts. */
        default void starting(int index, int count, SweepConfig config) {}

        /** The listener for the training of {@code config}. */
        default Trainer.Listener training(SweepConfig config) {
            return new Trainer.Listener() {};
        }

        /** The training of {@code config} finished; its run folder holds the adapter and {@code loss.csv}. */
        default void trained(SweepConfig config, Path runDir) {}

        /** Configuration {@code index} of {@code count} finished and is in {@code sweep.csv}. */
        default void finished(int index, int count, SweepRow row) {}
    }

    /** Every row in {@code sweep.csv} after the run (earlier runs' included), and their summary. */
    public record Result(List<SweepRow> rows, SweepSummary summary) {}

    private final Model model;
    private final Training training;
    private final Scorer scorer;
    private final Kernels kernels;
    private final int layers;
    private List<Example> data;

    public Sweep(Model model, Training training, Scorer scorer, Kernels kernels) {
        this.model = Objects.requireNonNull(model, "model");
        this.training = Objects.requireNonNull(training, "training");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.layers = model.weights().config().numLayers();
    }

    /**
     * The configurations of {@code selection} in run order: the probe (depth 1..L, each pooling), then the frozen
     * and then the trained configurations (k ascending, each pooling).
     */
    public List<SweepConfig> plan(SweepSelection selection) {
        List<Integer> ks = selection.ks() != null ? selection.ks() : IntStream.rangeClosed(0, layers).boxed().toList();
        for (int k : ks) {
            if (k < 0 || k > layers) {
                throw new IllegalArgumentException("k = " + k + " is out of range: " + model.name() + " has " + layers
                        + " layers, so the number of bidirectional top layers is in 0.." + layers);
            }
        }
        List<SweepConfig> plan = new ArrayList<>();
        if (selection.probe()) {
            for (int depth = 1; depth <= layers; depth++) {
                for (Pooling p : selection.poolings()) plan.add(new SweepConfig(SweepConfig.Kind.TRUNCATED, depth, 0, p, false));
            }
        }
        for (boolean trained : new boolean[] {false, true}) {
            if (trained ? !selection.trained() : !selection.frozen()) continue;
            for (int k : ks) {
                for (Pooling p : selection.poolings()) plan.add(new SweepConfig(SweepConfig.Kind.BIDIRECTIONAL, layers, k, p, trained));
            }
        }
        return plan;
    }

    /** Runs the configurations of {@code selection} that {@code outDir/sweep.csv} does not have yet; see the class comment. */
    public Result run(Path outDir, SweepSelection selection, Listener listener) throws IOException {
        List<SweepConfig> plan = plan(selection);
        if (selection.trained() && training.dataName() == null) {
            throw new IllegalArgumentException("trained configurations need training data; name it in Sweep.Training (e.g. snli) or run frozen only");
        }
        Files.createDirectories(outDir);
        Path csv = outDir.resolve(SweepFiles.CSV), json = outDir.resolve(SweepFiles.JSON_FILE);
        TrainOptions options = training.options().get();
        options.validate();
        Map<String, Object> settings = settings(options, selection.trained());
        List<SweepRow> rows = new ArrayList<>();
        if (Files.exists(json)) {
            settings = reconcile(json, SweepFiles.readSettings(json), settings, selection.trained());
        } else if (Files.exists(csv)) {
            throw new IllegalArgumentException(csv + " has no " + SweepFiles.JSON_FILE + " beside it, so the settings it was run"
                    + " with are unknown; restore " + SweepFiles.JSON_FILE + " or use another output folder");
        }
        if (Files.exists(csv)) rows.addAll(SweepFiles.readCsv(csv));
        Set<SweepConfig> done = new HashSet<>();
        for (SweepRow r : rows) done.add(r.config());
        List<SweepConfig> todo = plan.stream().filter(c -> !done.contains(c)).toList();

        write(outDir, settings, rows, false);
        listener.planned(todo.size(), plan.size() - todo.size());
        for (int i = 0; i < todo.size(); i++) {
            SweepConfig config = todo.get(i);
            listener.starting(i + 1, todo.size(), config);
            SweepRow row = config.trained() ? trainAndScore(config, outDir, listener) : scoreFrozen(config, options);
            rows.add(row);
            write(outDir, settings, rows, true);
            listener.finished(i + 1, todo.size(), row);
        }
        return new Result(List.copyOf(rows), SweepSummary.of(layers, rows));
    }

    /** The model cut to its first {@code depth} layers (then the final norm), with {@code num_hidden_layers} = depth. */
    public static ModelWeights firstLayers(ModelWeights full, int depth) {
        ModelConfig c = full.config();
        if (depth < 1 || depth > c.numLayers()) {
            throw new IllegalArgumentException("truncation depth must be in [1, " + c.numLayers() + "] (the model's layers), got " + depth);
        }
        ModelConfig cut = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), depth, c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.ropeTheta(), c.ropeScaling(), c.ropeInterleaved(),
                c.rmsNormEps(), c.attentionBias(), c.qkNorm(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenId());
        return new ModelWeights(cut, full.embedTokens(), full.layers().subList(0, depth), full.norm(), full.lmHead());
    }

    /** The top k layers bidirectional; k = 0 is the causal model. */
    private static AttentionLayers attention(SweepConfig config) {
        return config.k() == 0 ? AttentionLayers.causal() : AttentionLayers.bidirectionalFrom(config.bidirectionalFrom());
    }

    private SweepRow scoreFrozen(SweepConfig config, TrainOptions options) {
        long start = System.nanoTime();
        ModelWeights weights = config.kind() == SweepConfig.Kind.TRUNCATED ? firstLayers(model.weights(), config.layers()) : model.weights();
        // the same inputs as the trainer's embedder sees: its prompt, its token limit, longer inputs keep their start
        Embedder embedder = Embedder.builder().model(weights, model.tokenizer()).kernels(kernels)
                .spec(options.encoder.toBuilder().attention(attention(config)).pooling(config.pooling()).build()).build();
        double score = scorer.score().applyAsDouble(embedder);
        return new SweepRow(config, 0, score, (System.nanoTime() - start) / 1e9);
    }

    private SweepRow trainAndScore(SweepConfig config, Path outDir, Listener listener) throws IOException {
        TrainOptions options = training.options().get();
        options.encoder = options.encoder.toBuilder().attention(attention(config)).pooling(config.pooling()).build();
        Trainer trainer = new Trainer(model.weights(), model.tokenizer(), model.name(), options, kernels);
        Path runDir = outDir.resolve("runs").resolve(config.runName());
        // a checkpoint means an earlier sweep stopped during (or just after) this run; ".old" is the one a crash
        // may leave while the trainer swaps in a new checkpoint, which the trainer resumes from too
        boolean resume = Files.isDirectory(runDir.resolve("checkpoint")) || Files.isDirectory(runDir.resolve("checkpoint.old"));
        Trainer.Result result = trainer.train(trainingData(), runDir, null, resume, listener.training(config));
        listener.trained(config, runDir);
        long start = System.nanoTime();
        double score = scorer.score().applyAsDouble(trainer.embedder());
        return new SweepRow(config, result.steps(), score, result.seconds() + (System.nanoTime() - start) / 1e9);
    }

    private List<Example> trainingData() {
        if (data == null) data = training.data().get();
        return data;
    }

    /** What decides the scores. {@code training} is null until a run trains (frozen rows do not depend on it). */
    private Map<String, Object> settings(TrainOptions options, boolean trains) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", model.name());
        s.put("layers", layers);
        s.put("evaluation", scorer.name());
        s.put("prompt", options.encoder.promptText(null));
        s.put("max_tokens", options.encoder.maxTokens());
        if (trains) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("data", training.dataName());
            Map<String, Object> o = new LinkedHashMap<>(options.toMap());
            // set per configuration, or recorded above
            o.keySet().removeAll(List.of("bidirectional_from", "pooling", "prompt", "max_length"));
            t.put("options", o);
            s.put("training", t);
        } else {
            s.put("training", null);
        }
        return s;
    }

    /**
     * The settings to record for a run on a folder whose {@code sweep.json} holds {@code saved}: refuses if a
     * setting that decides the scores differs. Training settings are compared only when both runs train; a run
     * that trains for the first time records its own.
     */
    private static Map<String, Object> reconcile(Path json, JsonNode saved, Map<String, Object> now, boolean trains) {
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, Object> e : now.entrySet()) {
            String key = e.getKey();
            JsonNode before = saved.get(key);
            String was = before == null ? "(missing)" : before.toString();
            String is = SweepFiles.jsonText(e.getValue());
            boolean savedTraining = before != null && !before.isNull();
            if (key.equals("training") && !(trains && savedTraining)) continue;
            if (!was.equals(is)) differences.add(key + " was " + was + ", now " + is);
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("cannot continue the sweep in " + json.getParent() + ": it was run with other settings ("
                    + String.join("; ", differences) + "). Use the same settings, or another output folder for a new sweep");
        }
        Map<String, Object> merged = new LinkedHashMap<>(now);
        JsonNode savedTraining = saved.get("training");
        if (!trains && savedTraining != null && !savedTraining.isNull()) {
            merged.put("training", SweepFiles.JSON.convertValue(savedTraining, LinkedHashMap.class));
        }
        return merged;
    }

    private void write(Path outDir, Map<String, Object> settings, List<SweepRow> rows, boolean rowsChanged) throws IOException {
        SweepSummary summary = SweepSummary.of(layers, rows);
        if (rowsChanged || !Files.exists(outDir.resolve(SweepFiles.CSV))) {
            AtomicFiles.write(outDir.resolve(SweepFiles.CSV), SweepFiles.csv(rows).getBytes(StandardCharsets.UTF_8));
        }
        AtomicFiles.write(outDir.resolve(SweepFiles.MARKDOWN),
                SweepFiles.markdown(settings, rows, summary).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(outDir.resolve(SweepFiles.JSON_FILE), SweepFiles.json(settings, rows, summary));
    }
}
