package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags that decide what embedding a model gives: shared by embed and eval. The model's folder and each adapter's
 * carry a recipe; a flag given here overrides it and says so on stderr.
 */
final class EmbeddingOptions {
    @Mixin
    ModelOptions model;

    @Mixin
    EncoderOptions encoder;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory to apply; repeat to stack adapters (their deltas add), in order.")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--prompt-name", paramLabel = "NAME", description = "Named prompt of the recipe (query, document, ...). Default: the recipe's default prompt.")
    String promptName;

    @Option(names = "--dimensions", paramLabel = "N", description = "Keep the first N dimensions (Matryoshka), renormalised when normalising. Default: all.")
    Integer dimensions;

    @Option(names = "--normalize", negatable = true, description = "L2-normalise the embeddings (--no-normalize: do not). Default: the recipe's.")
    Boolean normalize;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest input in tokens (prompt included). Default: " + Embedder.DEFAULT_MAX_TOKENS
            + ", or the model's max_position_embeddings when smaller, unless the recipe states one.")
    Integer maxTokens;

    @Option(names = "--truncate", negatable = true,
            description = "Cut inputs longer than --max-tokens (the text's end; the prompt and special tokens stay) instead of failing. Default: the recipe's, else off.")
    Boolean truncate;

    /** An embedder builder holding the folders' recipes with these flags over them (each override told on stderr). */
    Embedder.Builder builder() {
        EncoderSpec.Builder flags = encoder.stated();
        if (normalize != null) flags.normalize(normalize);
        if (dimensions != null) flags.dimensions(dimensions);
        if (maxTokens != null) flags.maxTokens(maxTokens);
        if (truncate != null) flags.truncation(truncate ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        EncoderSpec.Builder recipe = EncoderSpec.Builder.fromFolders(model.model, adapters, EmbeddingOptions::warn);
        recipe.overlay(flags, EmbeddingOptions::warn).tokenizer(model.tokenizer);
        // a named prompt becomes the default, so every consumer of the encoder (stream, eval) uses it
        // (choosing one of the recipe's prompts overrides nothing, so it is not reported)
        if (promptName != null) recipe.overlay(new EncoderSpec.Builder(EncoderOptions.SOURCE).defaultPromptName(promptName), notice -> {});
        Embedder.Builder b = Embedder.builder().spec(recipe.build()).batchSize(batchSize);
        if (model.threads != null) b.threads(model.threads);
        b.kernels(model.kernels());
        return b;
    }

    /** The encoder the folders' recipes and these flags make. */
    Embedder build() {
        return builder().build();
    }

    static void warn(String notice) {
        System.err.println("bellm: " + notice);
    }
}
