package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.loss.AngleObjective;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The flags of a training run (encoder, LoRA, optimizer, objective): shared by train and sweep. */
final class TrainingFlags {
    @Mixin
    EncoderOptions encoder;
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
    @Option(names = "--max-length", paramLabel = "N", description = "Tokens per input, prompt included; longer texts are cut, the prompt kept. Default: 128.")
    Integer maxLength;
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
    /** The options the flags give; the encoder is the base model folder's recipe with the encoder flags over it. */
    TrainOptions options(Path model) {
        TrainOptions o = new TrainOptions();
        EncoderSpec.Builder defaults = new EncoderSpec.Builder("training default").maxTokens(TrainOptions.DEFAULT_MAX_TOKENS)
                .truncation(Embedder.Truncation.KEEP_START);
        EncoderSpec.Builder flags = encoder.stated();
        if (maxLength != null) flags.maxTokens(maxLength);
        o.encoder = EncoderSpec.Builder.fromFolders(model, List.of(), EmbeddingOptions::warn).overlay(defaults, EmbeddingOptions::warn)
                .overlay(flags, EmbeddingOptions::warn).build();
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
        o.seed = seed;
        AngleObjective preset = AngleObjective.preset(objective);
        o.objective = preset.withWeights(cosineW != null ? cosineW : preset.cosineWeight(), ibnW != null ? ibnW : preset.ibnWeight(),
                angleW != null ? angleW : preset.angleWeight());
        o.checkpointEvery = checkpointEvery;
        return o;
    }

}
