package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The flags that decide what embedding a model gives: shared by embed, eval, train and sweep. */
public final class EmbeddingOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face model directory (config.json + safetensors) or llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer; default: the tok*.bin beside the model.")
    Path tokenizer;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory to apply.")
    Path adapter;

    @Option(names = "--bidirectional-from", paramLabel = "N|none", defaultValue = "none",
            description = "Layers l >= N attend bidirectionally (BeLLM); 'none' keeps the model causal. Default: ${DEFAULT-VALUE}.")
    String bidirectionalFrom;

    @Option(names = "--pooling", paramLabel = "last|mean|first", defaultValue = "last",
            description = "Pooling of the final hidden states. Default: ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--prompt", paramLabel = "TEMPLATE",
            description = "Prompt template containing {text}, e.g. 'The representative word for sentence {text} is:\"'. Default: none.")
    String prompt;

    @Option(names = "--bellm-prompt", description = "Use the BeLLM paper's prompt: ${sys:bellm.prompt}")
    boolean bellmPrompt;

    @Option(names = "--normalize", description = "L2-normalise the embeddings.")
    boolean normalize;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads. Default: all cores.")
    Integer threads;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest input in tokens (prompt included). Default: the model's maximum.")
    Integer maxTokens;

    @Option(names = "--truncate", description = "Cut inputs longer than --max-tokens (keeping their start) instead of failing.")
    boolean truncate;

    static {
        System.setProperty("bellm.prompt", Embedder.BELLM_PROMPT);
    }

    /** {@code null} for causal, else the first bidirectional layer. */
    Integer bidirectionalFromOrNull() {
        if (bidirectionalFrom == null || bidirectionalFrom.equalsIgnoreCase("none")) return null;
        try {
            return Integer.parseInt(bidirectionalFrom.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--bidirectional-from takes a layer number or 'none', got '" + bidirectionalFrom + "'");
        }
    }

    String promptTemplate() {
        if (bellmPrompt && prompt != null) throw new IllegalArgumentException("give either --prompt or --bellm-prompt, not both");
        return bellmPrompt ? Embedder.BELLM_PROMPT : prompt;
    }

    Embedder.Builder builder() {
        Embedder.Builder b = Embedder.builder().model(model).tokenizer(tokenizer).adapter(adapter)
                .pooling(Pooling.parse(pooling)).prompt(promptTemplate()).normalize(normalize).batchSize(batchSize)
                .truncation(truncate ? Embedder.Truncation.KEEP_START : Embedder.Truncation.ERROR);
        Integer from = bidirectionalFromOrNull();
        if (from != null) b.bidirectionalFrom(from);
        if (threads != null) b.threads(threads);
        if (maxTokens != null) b.maxTokens(maxTokens);
        return b;
    }
}
