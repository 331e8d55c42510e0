package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.model.AttentionLayers;
import picocli.CommandLine.Option;

/**
 * How a decoder becomes an encoder: which layers attend both ways, the prompt and the pooling. Shared by embed, eval
 * and train. Every flag is optional: an unset one leaves the setting to the model's and adapters' recipes.
 */
final class EncoderOptions {
    /** The source named when a flag overrides a folder's recipe. */
    static final String SOURCE = "command line";

    @Option(names = "--bidirectional-from", paramLabel = "N|none|all",
            description = "Layers l >= N attend bidirectionally (BeLLM); 'none' keeps every layer causal, 'all' none. Default: the recipe's, else none.")
    String bidirectionalFrom;

    @Option(names = "--pooling", paramLabel = "last|mean|first", description = "Pooling of the final hidden states. Default: the recipe's, else last.")
    String pooling;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "One prompt for every text: a template containing {text}, e.g. 'The representative word for sentence {text} is:\"', or a prefix. Default: the recipe's.")
    String prompt;

    @Option(names = "--bellm-prompt", description = "Use the BeLLM paper's prompt: ${sys:bellm.prompt}")
    boolean bellmPrompt;

    @Option(names = "--include-prompt", negatable = true,
            description = "Pool the prompt's tokens too (--no-include-prompt: a mean leaves them out, as LLM2Vec). Default: the recipe's, else included.")
    Boolean includePrompt;

    static {
        System.setProperty("bellm.prompt", Embedder.BELLM_PROMPT);
    }

    /** The settings these flags state, in a builder whose source is {@value #SOURCE}. */
    EncoderSpec.Builder stated() {
        EncoderSpec.Builder b = new EncoderSpec.Builder(SOURCE);
        if (bidirectionalFrom != null) b.attention(attention(bidirectionalFrom));
        if (pooling != null) b.pooling(Pooling.parse(pooling));
        if (includePrompt != null) b.includePrompt(includePrompt);
        if (bellmPrompt && prompt != null) throw new IllegalArgumentException("give either --prompt or --bellm-prompt, not both");
        if (bellmPrompt || prompt != null) b.prompt(bellmPrompt ? Embedder.BELLM_PROMPT : prompt);
        return b;
    }

    private static AttentionLayers attention(String value) {
        try {
            return AttentionLayers.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bidirectional-from takes a layer number, 'none' or 'all', got '" + value + "'");
        }
    }

    /** The prompt flags' prompt, or null. */
    String promptTemplate() {
        if (bellmPrompt && prompt != null) throw new IllegalArgumentException("give either --prompt or --bellm-prompt, not both");
        return bellmPrompt ? Embedder.BELLM_PROMPT : prompt;
    }
}
