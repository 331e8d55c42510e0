package dev.bellm.langchain4j;

import dev.bellm.embed.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link EmbeddingModel} over a bellm {@link Embedder}: decoder-LLM sentence embeddings in
 * process, no server. Documents and queries may use different prompts; {@link #queries()} is the same model
 * (same weights, loaded once) with the query prompt, to hand to a retriever while this one feeds the store.
 *
 * <pre>{@code
 * Embedder encoder = Embedder.builder().model(Path.of("my-encoder")).normalize(true).build();
 * BellmEmbeddingModel documents = BellmEmbeddingModel.builder().embedder(encoder).modelName("my-encoder")
 *         .queryPrompt("Represent this question for retrieval: {text}").build();
 * EmbeddingStoreIngestor.builder().embeddingModel(documents).embeddingStore(store).build().ingest(docs);
 * EmbeddingStoreContentRetriever.builder().embeddingModel(documents.queries()).embeddingStore(store).build();
 * }</pre>
 *
 * Thread-safe, like the embedder. Token usage counts the tokens the model read, prompt included.
 */
public final class BellmEmbeddingModel implements EmbeddingModel {
    private final Embedder embedder;
    private final Embedder queryEmbedder;
    private final String modelName;

    private BellmEmbeddingModel(Embedder embedder, Embedder queryEmbedder, String modelName) {
        this.embedder = embedder;
        this.queryEmbedder = queryEmbedder;
        this.modelName = modelName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This model with the query prompt (the same object when queries and documents share one). */
    public BellmEmbeddingModel queries() {
        return queryEmbedder == embedder ? this : new BellmEmbeddingModel(queryEmbedder, queryEmbedder, modelName);
    }

    /** The bellm encoder this model embeds with. */
    public Embedder embedder() {
        return embedder;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        Objects.requireNonNull(segments, "segments");
        List<String> texts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) texts.add(s.text());
        Embedder.Embeddings result = embedder.embed(texts);
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            embeddings.add(Embedding.from(result.vectors()[i]));
            tokens += result.tokenCounts()[i];
        }
        return Response.from(embeddings, new TokenUsage(Math.toIntExact(tokens)));
    }

    /** The encoder's output size, known from the model's config: no probe embedding is computed. */
    @Override
    public int dimension() {
        return embedder.dimension();
    }

    @Override
    public String modelName() {
        return modelName;
    }

    public static final class Builder {
        private Embedder embedder;
        private String modelName = "bellm";
        private boolean documentPromptSet, queryPromptSet;
        private String documentPrompt, queryPrompt;

        /** The encoder (required); its own prompt is the default for documents and queries. */
        public Builder embedder(Embedder embedder) {
            this.embedder = Objects.requireNonNull(embedder);
            return this;
        }

        /** What {@link #modelName()} reports (the model folder's name, say). */
        public Builder modelName(String name) {
            this.modelName = Objects.requireNonNull(name);
            return this;
        }

        /** Prompt template ({@code {text}} marks the text; null: none) for what goes into the store. */
        public Builder documentPrompt(String template) {
            this.documentPrompt = template;
            this.documentPromptSet = true;
            return this;
        }

        /** Prompt template for queries, used by {@link BellmEmbeddingModel#queries()}. */
        public Builder queryPrompt(String template) {
            this.queryPrompt = template;
            this.queryPromptSet = true;
            return this;
        }

        public BellmEmbeddingModel build() {
            if (embedder == null) throw new IllegalArgumentException("no embedder: call embedder(Embedder.builder()...build())");
            Embedder documents = documentPromptSet ? embedder.withPrompt(documentPrompt) : embedder;
            Embedder queries = queryPromptSet ? embedder.withPrompt(queryPrompt) : documents;
            return new BellmEmbeddingModel(documents, queries, modelName);
        }
    }
}
