package dev.bellm.spring;

import dev.bellm.embed.Embedder;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Spring AI {@link EmbeddingModel} over a bellm {@link Embedder}: in-process decoder-LLM embeddings (Spring AI's
 * own in-process path runs BERT-style ONNX models only). Usage metadata carries the tokens the model read.
 * {@link #withPrompt(String)} gives the same model (weights loaded once) with another prompt, e.g. for queries.
 */
public class BellmEmbeddingModel implements EmbeddingModel {
    private final Embedder embedder;
    private final String modelName;

    public BellmEmbeddingModel(Embedder embedder, String modelName) {
        this.embedder = Objects.requireNonNull(embedder);
        this.modelName = Objects.requireNonNull(modelName);
    }

    /** This model with another prompt template (null: plain text), sharing the loaded weights. */
    public BellmEmbeddingModel withPrompt(String template) {
        return new BellmEmbeddingModel(embedder.withPrompt(template), modelName);
    }

    public Embedder embedder() {
        return embedder;
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        List<String> texts = request.getInstructions();
        Embedder.Embeddings result = embedder.embed(texts);
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            embeddings.add(new Embedding(result.vectors()[i], i));
            tokens += result.tokenCounts()[i];
        }
        int promptTokens = Math.toIntExact(tokens);
        return new EmbeddingResponse(embeddings, new EmbeddingResponseMetadata(modelName, new DefaultUsage(promptTokens, 0, promptTokens)));
    }

    @Override
    public float[] embed(Document document) {
        return embedder.embed(getEmbeddingContent(document));
    }

    /** From the model's config: no probe embedding. */
    @Override
    public int dimensions() {
        return embedder.dimension();
    }
}
