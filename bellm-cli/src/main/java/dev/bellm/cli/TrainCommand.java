package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.io.DataDirectory;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.train.DevEvaluation;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune LoRA adapters with the AnglE objective (BeLLM recipe) and write a PEFT adapter.",
                "Writes OUTPUT/adapter, OUTPUT/best (best STS-B dev score), OUTPUT/checkpoint, loss.csv, loss.png, train.json.",
                "Each adapter folder carries the encoder's recipe, so `bellm embed --adapter DIR` needs no other flag."},
        footer = {"", "Built-in training sets (--train NAME): snli-dev, snli-test, snli, sick-train, stsb-train, nli+sts; or a JSON Lines file",
                "of {\"text\",\"positive\",\"negative\"} triplets or {\"text1\",\"text2\",\"label\"} pairs.", "", "Examples:",
                "  ./bellm train --model ../shared/models/stories260K/stories260K.bin --train snli --bidirectional-from 3 --pooling mean \\",
                "      --bellm-prompt --epochs 1 --batch-size 32 --output runs/stories-bellm",
                "  ./bellm train ... --output runs/stories-bellm --resume     # continue an interrupted run"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;
    @Option(names = "--train", required = true, paramLabel = "FILE|NAME", description = "Training data: a JSON Lines file or a built-in set.")
    String train;
    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/ (built-in sets, dev evaluation). Default: the shared directory.")
    Path data;
    @Option(names = "--eval-dev", paramLabel = "stsb|none", defaultValue = "stsb", description = "Dev evaluation at each checkpoint. Default: ${DEFAULT-VALUE}.")
    String evalDev;
    @Option(names = "--resume", description = "Continue the run in --output from its last checkpoint.")
    boolean resume;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    Path output;

    @Mixin
    TrainingFlags training;

    @Override
    public Integer call() throws Exception {
        TrainOptions o = training.options(model.model);
        o.validate();
        Path dataDir = data != null ? data : DataDirectory.root();
        List<Example> examples = TrainingData.load(train, dataDir);
        ModelWeights base = model.load();
        Tokenizer tok = model.loadTokenizer();
        Trainer trainer = new Trainer(base, tok, model.model.toString(), o, model.kernels());
        ToDoubleFunction<Embedder> dev = DevEvaluation.named(evalDev, dataDir);
        System.err.printf("bellm train: %d examples (%s), %s%n", examples.size(), train, model.model);
        Trainer.Result r = TrainingProgress.run(trainer, examples, output, dev, resume);
        System.err.printf("bellm train: %d steps in %.1f s (%.0f tokens/s)%n", r.steps(), r.seconds(), r.tokensPerSecond());
        if (r.initialDevScore() != null) {
            System.out.printf("STS-B dev Spearman x100: before %.2f, best %.2f%n", r.initialDevScore(), r.bestDevScore());
        }
        System.out.println("adapter: " + r.adapter() + (r.best() == null ? "" : "\nbest adapter: " + r.best()));
        System.out.println("embed with it: ./bellm embed --model " + model.model + " --adapter " + (r.best() != null ? r.best() : r.adapter())
                + " --input FILE --output FILE");
        return 0;
    }
}
