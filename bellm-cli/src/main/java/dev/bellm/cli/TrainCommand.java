package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.eval.EvalResults;
import dev.bellm.eval.ProgressListener;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;
import dev.bellm.io.DataDirectory;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import dev.bellm.train.loss.AngleObjective;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune LoRA adapters with the AnglE objective (BeLLM recipe) and write a PEFT adapter.",
                "Writes OUTPUT/adapter, OUTPUT/best (best STS-B dev score), OUTPUT/checkpoint, loss.csv, loss.png, train.json."},
        footer = {"", "Built-in training sets (--train NAME): snli-dev, snli-test, snli, sick-train, stsb-train, nli+sts; or a JSON Lines file",
                "of {\"text\",\"positive\",\"negative\"} triplets or {\"text1\",\"text2\",\"label\"} pairs.", "", "Examples:",
                "  ./bellm train --model ../shared/models/stories260K/stories260K.bin --train snli --bidirectional-from 3 --pooling mean \\",
                "      --bellm-prompt --epochs 1 --batch-size 32 --output runs/stories-bellm",
                "  ./bellm train ... --output runs/stories-bellm --resume     # continue an interrupted run"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;
    @Mixin
    EncoderOptions encoder;
    @Option(names = "--train", required = true, paramLabel = "FILE|NAME", description = "Training data: a JSON Lines file or a built-in set.")
    String train;
    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/ (built-in sets, dev evaluation). Default: the shared directory.")
    Path data;
    @Option(names = "--eval-dev", paramLabel = "stsb|none", defaultValue = "stsb", description = "Dev evaluation at each checkpoint. Default: ${DEFAULT-VALUE}.")
    String evalDev;
    @Option(names = "--lora-r", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    int loraR;
    @Option(names = "--lora-alpha", defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    double loraAlpha;
    @Option(names = "--lora-dropout", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
    double loraDropout;
    @Option(names = "--rslora", description = "Scale LoRA by alpha/sqrt(r) instead of alpha/r.")
    boolean rsLora;
    @Option(names = "--lora-targets", split = ",", paramLabel = "LIST", description = "Projections to adapt. Default: all seven.")
    List<String> loraTargets;
    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;
    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay. Default: ${DEFAULT-VALUE}.")
    double weightDecay;
    @Option(names = "--warmup-ratio", defaultValue = "0.05", description = "Default: ${DEFAULT-VALUE}.")
    double warmupRatio;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Gradient clipping (0: off). Default: ${DEFAULT-VALUE}.")
    double maxGradNorm;
    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per micro-batch. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per optimizer step. Default: ${DEFAULT-VALUE}.")
    int gradAccum;
    @Option(names = "--epochs", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;
    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after N optimizer steps (0: all epochs).")
    int maxSteps;
    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per input, prompt included. Default: ${DEFAULT-VALUE}.")
    int maxLength;
    @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--objective", defaultValue = "bellm", paramLabel = "PRESET",
            description = "bellm (cosine+ibn+angle, all weights 1, tau 20), angle-emb-original, angle-emb-ibn, bellm-readme-nli. Default: ${DEFAULT-VALUE}.")
    String objective;
    @Option(names = "--cosine-w", description = "Override the preset's cosine weight.")
    Double cosineW;
    @Option(names = "--ibn-w", description = "Override the preset's in-batch-negative (contrastive) weight.")
    Double ibnW;
    @Option(names = "--angle-w", description = "Override the preset's angle weight.")
    Double angleW;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Steps between checkpoints and dev evaluations. Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;
    @Option(names = "--resume", description = "Continue the run in --output from its last checkpoint.")
    boolean resume;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    Path output;

    TrainOptions options() {
        TrainOptions o = new TrainOptions();
        o.bidirectionalFrom = encoder.bidirectionalFromOrNull();
        o.prompt = encoder.promptTemplate();
        o.pooling = encoder.pooling();
        o.loraRank = loraR;
        o.loraAlpha = loraAlpha;
        o.loraDropout = loraDropout;
        o.rsLora = rsLora;
        if (loraTargets != null) o.loraTargets = new ArrayList<>(loraTargets);
        o.learningRate = lr;
        o.weightDecay = weightDecay;
        o.warmupRatio = warmupRatio;
        o.maxGradNorm = maxGradNorm;
        o.batchSize = batchSize;
        o.gradAccum = gradAccum;
        o.epochs = epochs;
        o.maxSteps = maxSteps;
        o.maxLength = maxLength;
        o.seed = seed;
        AngleObjective preset = AngleObjective.preset(objective);
        o.objective = preset.withWeights(cosineW != null ? cosineW : preset.cosineWeight(), ibnW != null ? ibnW : preset.ibnWeight(),
                angleW != null ? angleW : preset.angleWeight());
        o.checkpointEvery = checkpointEvery;
        return o;
    }

    static List<Example> loadData(String train, Path dataDir) {
        Path file = Path.of(train);
        if (Files.isRegularFile(file)) return TrainingData.read(file);
        if (train.endsWith(".jsonl") || train.endsWith(".json")) throw new IllegalArgumentException("training file " + file + " does not exist");
        return TrainingData.builder(train, dataDir).get();
    }

    /** The STS-B dev Spearman (×100) of an embedder, for model selection; {@code dataDir} holds data/. */
    static ToDoubleFunction<Embedder> stsbDev(Path dataDir) {
        StsOptions o = new StsOptions(List.of(StsTask.parse("stsb").getFirst()), "dev", false, StsOptions.DEFAULT_CHUNK_SIZE);
        StsEvaluator evaluator = new StsEvaluator(dataDir.resolve("data"), o);
        return e -> {
            EvalResults r = evaluator.evaluate(t -> e.embed(t).vectors(), "dev", java.util.Map.of(), ProgressListener.NONE);
            return r.avg();
        };
    }

    @Override
    public Integer call() throws Exception {
        TrainOptions o = options();
        o.validate();
        Path dataDir = data != null ? data : DataDirectory.root();
        List<Example> examples = loadData(train, dataDir);
        ModelWeights base = model.load();
        Tokenizer tok = model.loadTokenizer();
        Trainer trainer = new Trainer(base, tok, model.model.toString(), o, model.kernels());
        ToDoubleFunction<Embedder> dev = switch (evalDev) {
            case "stsb" -> stsbDev(dataDir);
            case "none" -> null;
            default -> throw new IllegalArgumentException("--eval-dev takes stsb or none, got '" + evalDev + "'");
        };
        System.err.printf("bellm train: %d examples (%s), %s%n", examples.size(), train, model.model);
        Trainer.Result r = run(trainer, examples, output, dev, resume);
        System.err.printf("bellm train: %d steps in %.1f s (%.0f tokens/s)%n", r.steps(), r.seconds(), r.tokensPerSecond());
        if (r.initialDevScore() != null) {
            System.out.printf("STS-B dev Spearman x100: before %.2f, best %.2f%n", r.initialDevScore(), r.bestDevScore());
        }
        System.out.println("adapter: " + r.adapter() + (r.best() == null ? "" : "\nbest adapter: " + r.best()));
        return 0;
    }

    /** Runs training with a progress bar on a terminal (a line per checkpoint in a pipe), then plots the loss curve. */
    static Trainer.Result run(Trainer trainer, List<Example> examples, Path output, ToDoubleFunction<Embedder> dev, boolean resume)
            throws IOException {
        Progress[] bar = {null};
        boolean terminal = Progress.onTerminal();
        Trainer.Result r;
        try {
            r = trainer.train(examples, output, dev, resume, new Trainer.Listener() {
                @Override
                public void started(int firstStep, int totalSteps) {
                    bar[0] = Progress.start("train", totalSteps);
                    bar[0].stepTo(firstStep);
                }

                @Override
                public void step(Trainer.Step s) {
                    bar[0].stepTo(s.step());
                    bar[0].message(String.format("loss %.4f lr %.2e %.0f tok/s", s.loss(), s.learningRate(), s.tokensPerSecond()));
                }

                @Override
                public void evaluated(int step, double score) {
                    if (!terminal) System.err.printf("bellm train: step %d STS-B dev %.2f%n", step, score);
                }
            });
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        plotLoss(output);
        return r;
    }

    static void plotLoss(Path output) throws IOException {
        List<String> lines = Files.readAllLines(output.resolve("loss.csv"));
        List<Double> steps = new ArrayList<>(), loss = new ArrayList<>(), devSteps = new ArrayList<>(), dev = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            steps.add(Double.parseDouble(f[0]));
            loss.add(Double.parseDouble(f[2]));
            if (!f[5].isEmpty()) {
                devSteps.add(Double.parseDouble(f[0]));
                dev.add(Double.parseDouble(f[5]));
            }
        }
        Plots.line(output.resolve("loss.png"), "Training loss", "step", "loss", List.of(new Plots.Series("loss", steps, loss)));
        if (!dev.isEmpty()) {
            Plots.line(output.resolve("dev.png"), "STS-B dev Spearman x100", "step", "Spearman x100", List.of(new Plots.Series("dev", devSteps, dev)));
        }
    }
}
