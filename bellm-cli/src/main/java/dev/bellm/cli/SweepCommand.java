package dev.bellm.cli;

import dev.bellm.embed.Pooling;
import dev.bellm.eval.RetrievalEvaluator;
import dev.bellm.eval.RetrievalOptions;
import dev.bellm.eval.RetrievalTask;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;
import dev.bellm.experiments.Sweep;
import dev.bellm.experiments.SweepConfig;
import dev.bellm.experiments.SweepRow;
import dev.bellm.experiments.SweepSelection;
import dev.bellm.experiments.SweepSummary;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Find the turning point: STS against bidirectional depth and against truncation depth.",
                "The BeLLM experiments, for any model with L layers:",
                "- STS score against the number k of bidirectional top layers (k = 0..L, that is",
                "  --bidirectional-from L-k; k = 0 is causal), for each pooling, frozen and after",
                "  identical LoRA training (runs/k<k>-<pooling>/);",
                "- the degradation probe: the causal model cut to its first N layers, N = 1..L.",
                "Writes OUTPUT/sweep.csv, sweep.md, sweep.json, sweep-k.png and sweep-depth.png.",
                "Run it again on the same OUTPUT to continue: finished configurations are skipped",
                "and an interrupted training run resumes from its checkpoint. The settings must",
                "stay the same; --layers, --poolings, --trained and --probe may change.", ""},
        footer = {"", "Any other option goes to training, as in 'bellm train --help': --max-steps,",
                "--batch-size, --lr, --lora-r, --seed, --objective, --ibn-w, --checkpoint-every,",
                "--prompt, --bellm-prompt, --max-length, ... The prompt and --max-length apply to",
                "every configuration, frozen ones included. Graded STS labels (nli+sts, stsb-train,",
                "sick-train) need --ibn-w 0.", "", "Examples:",
                "  ./bellm sweep --model ../shared/models/stories260K/stories260K.bin \\",
                "      --output runs/sweep --frozen-only",
                "  ./bellm sweep --model ../shared/models/stories260K/stories260K.bin \\",
                "      --output runs/sweep --trained --layers 0,1,3,5 --no-probe \\",
                "      --train snli --max-steps 150 --batch-size 16"})
final class SweepCommand implements Callable<Integer> {
    /** Training flags the sweep sets itself for each configuration, or replaces with its own. */
    private static final List<String> SET_BY_THE_SWEEP = List.of("--bidirectional-from", "--pooling", "--resume", "--eval-dev");

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face directory or llama2.c .bin.")
    Path model;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer; default: the tok*.bin beside the model.")
    Path tokenizer;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder (an existing sweep in it is continued).")
    Path output;
    @Option(names = "--train", paramLabel = "FILE|NAME", description = "Training data, as for bellm train; needed with --trained.")
    String train;
    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/. Default: the shared directory.")
    Path data;
    @Option(names = "--tasks", paramLabel = "LIST", defaultValue = "stsb",
            description = "Tasks whose mean is the score: STS tasks (Spearman x100: sts12..sts16, stsb, sickr, or sts for all seven) or retrieval tasks (nDCG@10 x100: snli-ir, sick-ir, or retrieval), not both. Default: ${DEFAULT-VALUE}.")
    String tasks;
    @Option(names = "--split", paramLabel = "dev|test", defaultValue = "dev", description = "STS-B split. Default: ${DEFAULT-VALUE}.")
    String split;
    @Option(names = "--layers", paramLabel = "LIST", description = "Values of k to try, e.g. 0,1,3 or 0-2. Default: all of 0..L.")
    String layers;
    @Option(names = "--poolings", paramLabel = "LIST", defaultValue = "last,mean", description = "Default: ${DEFAULT-VALUE}.")
    String poolings;
    @Option(names = "--probe", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the degradation probe (depths 1..L, frozen). Default: on; --no-probe skips it.")
    boolean probe;
    @Option(names = "--trained", description = "Also train LoRA for each k and pooling, then score (needs --train).")
    boolean trained;
    @Option(names = "--frozen-only", description = "Score the frozen model only (the default).")
    boolean frozenOnly;
    @Option(names = "--threads", description = "Compute threads. Default: all cores.")
    Integer threads;
    @Unmatched
    List<String> trainingFlags = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (trained && frozenOnly) throw new IllegalArgumentException("give either --trained or --frozen-only, not both");
        if (trained && train == null) throw new IllegalArgumentException("--trained needs training data: --train NAME|FILE (e.g. snli)");
        TrainCommand training = trainingFlags();
        SweepSelection selection = new SweepSelection(parseLayers(layers), parsePoolings(poolings), true, trained, probe);
        Path dataDir = data != null ? data : DataDirectory.root();
        Sweep.Scorer scorer = scorer(dataDir);

        // recorded in sweep.json: absolute, so that a rerun from another folder is recognised as the same model
        String modelName = model.toAbsolutePath().normalize().toString();
        Sweep.Model base = new Sweep.Model(ModelLoader.load(model), Tokenizers.forModel(model, tokenizer), modelName);
        Sweep sweep = new Sweep(base, new Sweep.Training(train, () -> TrainCommand.loadData(train, dataDir), training::options), scorer,
                new VectorKernels(threads == null ? Runtime.getRuntime().availableProcessors() : threads));
        Progress[] bar = {null};
        Sweep.Result result;
        try {
            result = sweep.run(output, selection, listener(bar));
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        plot(output, result.rows(), result.summary().layers(), "Spearman x100, " + scoredOn());
        for (String line : result.summary().lines()) System.out.println(line);
        System.err.println("bellm sweep: wrote " + output.resolve("sweep.csv") + ", sweep.md, sweep.json, plots");
        return 0;
    }

    /** The training options: the flags this command does not know, parsed by bellm train's own definitions. */
    TrainCommand trainingFlags() {
        TrainCommand t = new TrainCommand();
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--train", train == null ? "none" : train,
                "--output", output.toString()));
        args.addAll(trainingFlags);
        CommandLine.ParseResult parsed;
        try {
            parsed = new CommandLine(t).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage() + " (bellm sweep passes the options it does not know to training;"
                    + " see bellm sweep --help and bellm train --help)");
        }
        for (String flag : SET_BY_THE_SWEEP) {
            if (parsed.hasMatchedOption(flag)) {
                throw new IllegalArgumentException(flag + " is set by the sweep for each configuration; choose configurations with"
                        + " --layers, --poolings, --trained/--frozen-only");
            }
        }
        return t;
    }

    /** {@code 0,1,3} or ranges such as {@code 0-2}; null (all k) when not given. */
    static List<Integer> parseLayers(String list) {
        if (list == null) return null;
        List<Integer> ks = new ArrayList<>();
        for (String raw : list.split(",")) {
            String part = raw.strip();
            if (part.isEmpty()) continue;
            try {
                int dash = part.indexOf('-', 1);
                if (dash < 0) {
                    ks.add(Integer.parseInt(part));
                } else {
                    int from = Integer.parseInt(part.substring(0, dash).strip()), to = Integer.parseInt(part.substring(dash + 1).strip());
                    if (to < from) throw new IllegalArgumentException("--layers range " + part + " runs backwards");
                    for (int k = from; k <= to; k++) ks.add(k);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--layers takes numbers and ranges such as 0,1,3 or 0-2, got '" + part + "'");
            }
        }
        if (ks.isEmpty()) throw new IllegalArgumentException("--layers names no k: give e.g. 0,1,3");
        return ks;
    }

    static List<Pooling> parsePoolings(String list) {
        List<Pooling> out = new ArrayList<>();
        for (String raw : list.split(",")) if (!raw.isBlank()) out.add(Pooling.parse(raw));
        return out;
    }

    /** The mean Spearman x100 of the selected STS tasks, or the mean nDCG@10 x100 of the retrieval tasks (with a progress bar on a terminal). */
    private Sweep.Scorer scorer(Path dataDir) {
        if (retrievalScored()) {
            RetrievalEvaluator evaluator = new RetrievalEvaluator(dataDir.resolve("data"),
                    new RetrievalOptions(RetrievalTask.parse(tasks), false, StsOptions.DEFAULT_CHUNK_SIZE));
            String name = "mean nDCG@10 x100 of cosine retrieval on " + scoredOn();
            return new Sweep.Scorer(name, embedder -> {
                try (Progress.Lazy bar = Progress.lazy("score")) {
                    return evaluator.evaluate(s -> embedder.embed(s).vectors(), model.toString(), Map.of(), bar::update).avg();
                }
            });
        }
        List<StsTask> sts = StsTask.parse(tasks);
        StsEvaluator evaluator = new StsEvaluator(dataDir.resolve("data"), new StsOptions(sts, split, false, StsOptions.DEFAULT_CHUNK_SIZE));
        String name = "mean Spearman x100 of cosine similarity on " + scoredOn();
        return new Sweep.Scorer(name, embedder -> {
            try (Progress.Lazy bar = Progress.lazy("score")) {
                return evaluator.evaluate(s -> embedder.embed(s).vectors(), model.toString(), Map.of(), bar::update).avg();
            }
        });
    }

    /** True when --tasks names retrieval tasks only (an STS name among them makes it an STS score, and a mix an error there). */
    private boolean retrievalScored() {
        List<String> names = java.util.Arrays.stream(tasks.split(",")).map(t -> t.strip().toLowerCase(java.util.Locale.ROOT))
                .filter(t -> !t.isEmpty()).toList();
        return !names.isEmpty() && names.stream().allMatch(t -> t.equals("retrieval")
                || java.util.Arrays.stream(RetrievalTask.values()).anyMatch(r -> r.cliName.equals(t)));
    }

    /** The tasks and splits scored, e.g. {@code stsb (dev)}. */
    private String scoredOn() {
        if (retrievalScored()) return RetrievalTask.parse(tasks).stream().map(t -> t.cliName + " (" + t.split + ")").collect(Collectors.joining(", "));
        return StsTask.parse(tasks).stream().map(t -> t.cliName + (t == StsTask.STSB ? " (" + split + ")" : " (test)"))
                .collect(Collectors.joining(", "));
    }

    /** A line per finished configuration on stderr; on a terminal also which one starts and the trainer's bar. */
    private static Sweep.Listener listener(Progress[] bar) {
        boolean terminal = Progress.onTerminal();
        return new Sweep.Listener() {
            @Override
            public void planned(int toRun, int alreadyDone) {
                System.err.printf("bellm sweep: %d configurations to run, %d already done%n", toRun, alreadyDone);
            }

            @Override
            public void starting(int index, int count, SweepConfig config) {
                if (terminal) System.err.printf("[%d/%d] %s%n", index, count, config.label());
            }

            @Override
            public Trainer.Listener training(SweepConfig config) {
                return new Trainer.Listener() {
                    @Override
                    public void started(int firstStep, int totalSteps) {
                        bar[0] = Progress.start("train " + config.runName(), totalSteps);
                        bar[0].stepTo(firstStep);
                    }

                    @Override
                    public void step(Trainer.Step s) {
                        bar[0].stepTo(s.step());
                        bar[0].message(String.format(Locale.ROOT, "loss %.4f lr %.2e", s.loss(), s.learningRate()));
                    }
                };
            }

            @Override
            public void trained(SweepConfig config, Path runDir) {
                if (bar[0] != null) bar[0].close();
                bar[0] = null;
                try {
                    TrainCommand.plotLoss(runDir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void finished(int index, int count, SweepRow row) {
                System.err.printf(Locale.ROOT, "bellm sweep: [%d/%d] %s: score %.2f (%.1f s)%n", index, count, row.config().label(),
                        row.score(), row.seconds());
            }
        };
    }

    /** sweep-k.png: score against k, a line per pooling and training state; sweep-depth.png: the probe's score against N. */
    static void plot(Path dir, List<SweepRow> rows, int layers, String scoreLabel) throws IOException {
        List<Plots.Series> byK = new ArrayList<>(), byDepth = new ArrayList<>();
        for (Pooling p : Pooling.values()) {
            for (boolean trainedState : new boolean[] {false, true}) {
                addSeries(byK, p + (trainedState ? ", trained" : ", frozen"),
                        SweepSummary.scores(rows, SweepConfig.Kind.BIDIRECTIONAL, p, trainedState));
            }
            addSeries(byDepth, p.toString(), SweepSummary.scores(rows, SweepConfig.Kind.TRUNCATED, p, false));
        }
        if (!byK.isEmpty()) {
            Plots.line(dir.resolve("sweep-k.png"), "Score against bidirectional top layers k (L = " + layers + ", k = 0 causal)",
                    "k (bidirectional_from = L - k)", scoreLabel, byK);
        }
        if (!byDepth.isEmpty()) {
            Plots.line(dir.resolve("sweep-depth.png"), "Degradation probe: causal model cut to its first N layers", "N (layers)",
                    scoreLabel, byDepth);
        }
    }

    /** Adds the defined (non-NaN) points of one series, if there are any. */
    private static void addSeries(List<Plots.Series> out, String name, SortedMap<Integer, Double> scores) {
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        scores.forEach((key, score) -> {
            if (!Double.isNaN(score)) {
                x.add((double) key);
                y.add(score);
            }
        });
        if (!x.isEmpty()) out.add(new Plots.Series(name, x, y));
    }
}
