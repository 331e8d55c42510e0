package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The flags that decide what embedding a model gives: shared by embed and eval. */
final class EmbeddingOptions {
    @Mixin
    ModelOptions model;

    @Mixin
    EncoderOptions encoder;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory to apply.")
    Path adapter;

    @Option(names = "--normalize", description = "L2-normalise the embeddings.")
    boolean normalize;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest input in tokens (prompt included). Default: " + Embedder.DEFAULT_MAX_TOKENS
            + ", or the model's max_position_embeddings when smaller.")
    Integer maxTokens;

    @Option(names = "--truncate", description = "Cut inputs longer than --max-tokens (keeping their start) instead of failing.")
    boolean truncate;

    Embedder.Builder builder() {
        Embedder.Builder b = Embedder.builder().model(model.model).tokenizer(model.tokenizer).adapter(adapter)
                .pooling(encoder.pooling()).prompt(encoder.promptTemplate()).normalize(normalize).batchSize(batchSize)
                .truncation(truncate ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        Integer from = encoder.bidirectionalFromOrNull();
        if (from != null) b.bidirectionalFrom(from);
        if (model.threads != null) b.threads(model.threads);
        b.kernels(model.kernels());
        if (maxTokens != null) b.maxTokens(maxTokens);
        return b;
    }
}
