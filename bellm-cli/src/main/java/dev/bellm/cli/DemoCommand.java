package dev.bellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.eval.EvalResults;
import dev.bellm.eval.ResultsJson;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;
import dev.bellm.eval.TaskResult;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.DevEvaluation;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole BeLLM method on one model, end to end.",
                "Evaluates the frozen causal model, makes its top layers bidirectional, trains LoRA adapters with the AnglE",
                "objective on NLI triplets, evaluates again, and reports.",
                "Default model: stories260K from the data directory (a real 260K-parameter LLaMA); finishes in minutes on 2 cores."},
        footer = {"", "Examples:", "  ./bellm demo", "  ./bellm demo --steps 300 --bidirectional-from 2 --output runs/demo-deeper"})
final class DemoCommand implements Callable<Integer> {
    static final List<String> EXAMPLES = List.of(
            "A man is playing a guitar.",
            "A person plays an instrument.",
            "A woman is slicing an onion.",
            "Someone is cutting vegetables.",
            "Two dogs run on the beach.",
            "The stock market fell sharply today.");

    @Option(names = "--model", paramLabel = "PATH", description = "Model to convert. Default: models/stories260K/stories260K.bin in the data directory.")
    Path model;
    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/ and models/. Default: the shared directory.")
    Path data;
    @Option(names = "--bidirectional-from", paramLabel = "N", defaultValue = "4",
            description = {"First bidirectional layer. Default: ${DEFAULT-VALUE}: the top layer of stories260K's 5, the best trained BeLLM",
                    "depth on the seven STS tasks in docs/RESULTS.md (there, trained causal is about as good: see docs/SWEEP.md)."})
    int bidirectionalFrom;
    @Option(names = "--pooling", paramLabel = "last|mean|first", defaultValue = "mean",
            description = "Pooling (with last-token pooling one bidirectional layer changes nothing; see docs/RESULTS.md). Default: ${DEFAULT-VALUE}.")
    String pooling;
    @Option(names = "--train", paramLabel = "FILE|NAME", defaultValue = "snli", description = "Training data (as in `bellm train`). Default: ${DEFAULT-VALUE}.")
    String train;
    @Option(names = "--steps", defaultValue = "150", description = "Optimizer steps. Default: ${DEFAULT-VALUE}.")
    int steps;
    @Option(names = "--batch-size", defaultValue = "32", description = "Triplets per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (higher than the 7B recipe's 2e-4: the model is tiny). Default: ${DEFAULT-VALUE}.")
    double lr;
    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--tasks", defaultValue = "sts", paramLabel = "LIST", description = "STS tasks for the before/after table. Default: all seven.")
    String tasks;
    @Option(names = "--threads", description = "Compute threads. Default: all cores.")
    Integer threads;
    @Option(names = "--output", defaultValue = "runs/demo", paramLabel = "DIR", description = "Where the adapter and report go. Default: ${DEFAULT-VALUE}.")
    Path output;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path root = data != null ? data : DataDirectory.root();
        Path modelPath = model != null ? model : root.resolve("models/stories260K/stories260K.bin");
        Pooling pool = Pooling.parse(pooling);
        Kernels kernels = new VectorKernels(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        ModelWeights base = ModelLoader.load(modelPath);
        Tokenizer tok = Tokenizers.forModel(modelPath, null);
        int layers = base.config().numLayers();
        StsOptions stsOptions = new StsOptions(StsTask.parse(tasks), "test", false, StsOptions.DEFAULT_CHUNK_SIZE);
        StsEvaluator evaluator = new StsEvaluator(root.resolve("data"), stsOptions);
        out.printf("bellm demo: %s (%s, %d layers, %,d parameters)%n", modelPath, base.config().architecture(), layers, base.parameterCount());
        // one recipe for all three encoders, so they differ only in attention and adapters
        EncoderSpec causalSpec = new TrainOptions().encoder.toBuilder().pooling(pool).causal().build();
        EncoderSpec bellmSpec = causalSpec.toBuilder().bidirectionalFrom(bidirectionalFrom).build().check(base.config());

        out.printf("%n[1/4] Evaluating the frozen causal model (%s pooling)...%n", pool);
        Embedder causal = Embedder.builder().model(base, tok).kernels(kernels).spec(causalSpec).build();
        EvalResults before = evaluate(evaluator, causal, "frozen causal");

        out.printf("%n[2/4] The same model with %s bidirectional, before any training...%n",
                bidirectionalFrom == layers - 1 ? "layer " + bidirectionalFrom : "layers " + bidirectionalFrom + ".." + (layers - 1));
        Embedder bellmFrozen = Embedder.builder().model(base, tok).kernels(kernels).spec(bellmSpec).build();
        EvalResults converted = evaluate(evaluator, bellmFrozen, "BeLLM, frozen");

        out.printf("%n[3/4] Training LoRA adapters with the AnglE objective on '%s' (%d steps)...%n", train, steps);
        TrainOptions o = new TrainOptions();
        o.encoder = bellmSpec;
        o.batchSize = batchSize;
        o.learningRate = lr;
        o.maxSteps = steps;
        o.seed = seed;
        o.checkpointEvery = Math.max(1, steps / 3);
        List<Example> examples = TrainingData.load(train, root);
        Trainer trainer = new Trainer(base, tok, modelPath.toString(), o, kernels);
        Path runDir = output.resolve("train");
        Trainer.Result r = TrainingProgress.run(trainer, examples, runDir, DevEvaluation.stsb(root), false);
        out.printf("trained %d steps in %.0f s (%.0f tokens/s); STS-B dev %.2f -> best %.2f%n", r.steps(), r.seconds(), r.tokensPerSecond(),
                r.initialDevScore(), r.bestDevScore());

        out.printf("%n[4/4] Evaluating the trained BeLLM encoder (best dev checkpoint, loaded from its folder as `bellm embed` does)...%n");
        Embedder bellm = Embedder.builder().model(modelPath).adapter(r.best()).kernels(kernels).notices(EmbeddingOptions::warn).build();
        EvalResults after = evaluate(evaluator, bellm, "BeLLM + LoRA (AnglE)");

        List<EvalResults> rows = List.of(before, converted, after);
        String table = table(rows);
        out.printf("%nSpearman x100 of cosine similarity (SentEval STS protocol, test splits):%n%n%s%n", table);
        String matrices = similarityMatrix("frozen causal", causal) + "\n" + similarityMatrix("BeLLM + LoRA", bellm);
        out.println(matrices);

        ResultsJson.write(output.resolve("before.json"), before);
        ResultsJson.write(output.resolve("frozen-bellm.json"), converted);
        ResultsJson.write(output.resolve("after.json"), after);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", modelPath.toString());
        report.put("bidirectional_from", bidirectionalFrom);
        report.put("embed_command", "./bellm embed --model " + modelPath + " --adapter " + r.best() + " --input FILE --output FILE");
        report.put("pooling", pool.toString());
        report.put("train", train);
        report.put("training", o.toMap());
        report.put("train_seconds", r.seconds());
        report.put("stsb_dev_before", r.initialDevScore());
        report.put("stsb_dev_best", r.bestDevScore());
        Map<String, Double> avgs = new LinkedHashMap<>();
        for (EvalResults e : rows) avgs.put(e.model(), e.avg());
        report.put("sts_avg", avgs);
        String md = "# bellm demo\n\nModel `" + modelPath + "`, layers " + bidirectionalFrom + ".." + (layers - 1) + " bidirectional, "
                + pool + " pooling, trained " + r.steps() + " steps on `" + train + "` (seed " + seed + ").\n\n" + table
                + "\n\n```\n" + matrices + "```\n";
        Cli.writeAtomically(output.resolve("report.md"), s -> s.write(md.getBytes(StandardCharsets.UTF_8)));
        Cli.writeAtomically(output.resolve("report.json"),
                s -> s.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(report)));
        out.printf("adapter:  %s%nreport:   %s%nresults:  %s, %s, %s%nloss:     %s%n", r.best(), output.resolve("report.md"),
                output.resolve("before.json"), output.resolve("frozen-bellm.json"), output.resolve("after.json"), runDir.resolve("loss.png"));
        out.printf("%nThe adapter folder carries its recipe (%s, %s pooling); these vectors again, with no other flag:%n"
                + "  ./bellm embed --model %s --adapter %s --input FILE --output FILE%n", bellmSpec.attention(), pool, modelPath, r.best());
        return 0;
    }

    private static EvalResults evaluate(StsEvaluator evaluator, Embedder embedder, String name) {
        try (Progress.Lazy bar = Progress.lazy("eval")) {
            return evaluator.evaluate(t -> embedder.embed(t).vectors(), name, embedder.settings(), bar::update);
        }
    }

    /** A markdown table: one row per model, the tasks as columns, ×100 with two decimals, then the average. */
    static String table(List<EvalResults> rows) {
        List<String> tasks = new ArrayList<>(rows.getFirst().tasks().keySet());
        StringBuilder sb = new StringBuilder("| model |");
        for (String t : tasks) sb.append(' ').append(columnName(t)).append(" |");
        sb.append(" Avg. |\n|---|");
        sb.append("---:|".repeat(tasks.size() + 1)).append('\n');
        for (EvalResults r : rows) {
            sb.append("| ").append(r.model()).append(" |");
            for (String t : tasks) {
                TaskResult tr = r.tasks().get(t);
                sb.append(String.format(Locale.ROOT, " %.2f |", tr.mainScore()));
            }
            sb.append(String.format(Locale.ROOT, " %.2f |%n", r.avg()));
        }
        return sb.toString();
    }

    /** The paper's column name of a task (STS-B, SICK-R, …). */
    private static String columnName(String resultName) {
        for (StsTask t : StsTask.values()) if (t.resultName.equals(resultName)) return t.columnName;
        return resultName;
    }

    /** Cosine similarities between the example sentences, as a small text matrix. */
    static String similarityMatrix(String title, Embedder embedder) {
        float[][] v = embedder.embed(EXAMPLES).vectors();
        StringBuilder sb = new StringBuilder("cosine similarity, " + title + ":\n");
        for (int i = 0; i < v.length; i++) {
            sb.append(String.format(Locale.ROOT, "  %-40s", EXAMPLES.get(i)));
            for (int j = 0; j < v.length; j++) sb.append(String.format(Locale.ROOT, " %5.2f", cosine(v[i], v[j])));
            sb.append('\n');
        }
        return sb.toString();
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
