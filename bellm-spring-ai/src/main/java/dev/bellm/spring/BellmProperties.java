package dev.bellm.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bellm.*}: the encoder the auto-configured {@code EmbeddingModel} loads.
 *
 * <pre>
 * bellm.model=/models/my-encoder           # required: HF directory or llama2.c .bin
 * bellm.adapter=/models/my-adapter         # optional PEFT LoRA adapter
 * bellm.bidirectional-from=30              # optional: BeLLM layers
 * bellm.pooling=last                       # last | mean | first
 * bellm.prompts.query=query: {text}        # named prompt templates ("bellm" is built in)
 * bellm.prompt-name=query                  # the prompt the model uses (none: plain text)
 * bellm.normalize=true
 * bellm.threads=4                          # compute threads (default: all cores)
 * bellm.batch-size=32
 * </pre>
 */
@ConfigurationProperties(prefix = "bellm")
public class BellmProperties {
    /** The built-in prompt name: the BeLLM paper's prompt. */
    public static final String BELLM_PROMPT_NAME = "bellm";

    private Path model;
    private Path tokenizer;
    private Path adapter;
    private Integer bidirectionalFrom;
    private String pooling = "last";
    private Map<String, String> prompts = new LinkedHashMap<>();
    private String promptName;
    private boolean normalize;
    private Integer threads;
    private int batchSize = 32;
    private Integer maxTokens;
    private boolean truncate;

    public Path getModel() { return model; }
    public void setModel(Path model) { this.model = model; }
    public Path getTokenizer() { return tokenizer; }
    public void setTokenizer(Path tokenizer) { this.tokenizer = tokenizer; }
    public Path getAdapter() { return adapter; }
    public void setAdapter(Path adapter) { this.adapter = adapter; }
    public Integer getBidirectionalFrom() { return bidirectionalFrom; }
    public void setBidirectionalFrom(Integer bidirectionalFrom) { this.bidirectionalFrom = bidirectionalFrom; }
    public String getPooling() { return pooling; }
    public void setPooling(String pooling) { this.pooling = pooling; }
    public Map<String, String> getPrompts() { return prompts; }
    public void setPrompts(Map<String, String> prompts) { this.prompts = prompts; }
    public String getPromptName() { return promptName; }
    public void setPromptName(String promptName) { this.promptName = promptName; }
    public boolean isNormalize() { return normalize; }
    public void setNormalize(boolean normalize) { this.normalize = normalize; }
    public Integer getThreads() { return threads; }
    public void setThreads(Integer threads) { this.threads = threads; }
    public int getBatchSize() { return batchSize; }
    public void setBatchSize(int batchSize) { this.batchSize = batchSize; }
    public Integer getMaxTokens() { return maxTokens; }
    public void setMaxTokens(Integer maxTokens) { this.maxTokens = maxTokens; }
    public boolean isTruncate() { return truncate; }
    public void setTruncate(boolean truncate) { this.truncate = truncate; }

    /** The template {@code name} stands for: a configured prompt, or the built-in {@value #BELLM_PROMPT_NAME}. */
    public String promptTemplate(String name) {
        if (name == null || name.isEmpty()) return null;
        String template = prompts.get(name);
        if (template == null && name.equals(BELLM_PROMPT_NAME)) return dev.bellm.embed.Embedder.BELLM_PROMPT;
        if (template == null) {
            throw new IllegalArgumentException("bellm.prompt-name=" + name + " names no prompt; configured: " + prompts.keySet()
                    + " (bellm.prompts.NAME=TEMPLATE) and the built-in '" + BELLM_PROMPT_NAME + "'");
        }
        return template;
    }
}
