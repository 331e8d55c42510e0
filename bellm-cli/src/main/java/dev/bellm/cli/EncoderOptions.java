package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import picocli.CommandLine.Option;

/** How a decoder becomes an encoder: which layers attend both ways, the prompt and the pooling. Shared by embed, eval and train. */
final class EncoderOptions {
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

    Pooling pooling() {
        return Pooling.parse(pooling);
    }
}
