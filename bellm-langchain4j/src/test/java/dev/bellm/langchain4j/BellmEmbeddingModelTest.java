package dev.bellm.langchain4j;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.io.DataDirectory;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model inside a real LangChain4j retrieval flow: ingestor → in-memory store → content retriever. */
@SharedData
class BellmEmbeddingModelTest {
    private static final List<String> CORPUS = List.of(
            "Lily found a red ball in the park.",
            "Tom and his dog ran to the big tree.",
            "The little bird sang a happy song.",
            "Mom made a cake for the party.",
            "A cat sat on the warm mat and slept.",
            "Ben was sad because his toy was broken.");
    private static final String DOCUMENT_PROMPT = "Story: {text}";
    private static final String QUERY_PROMPT = "Find the story: {text}";
    private static Embedder encoder;

    @BeforeAll
    static void load() {
        encoder = Embedder.builder().model(DataDirectory.resolve("models/stories260K/stories260K.bin")).normalize(true).batchSize(4).build();
    }

    private static List<Document> documents() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < CORPUS.size(); i++) docs.add(Document.from(CORPUS.get(i), Metadata.from("id", "doc-" + i)));
        return docs;
    }

    /**
     * The oracle: a query that is exactly a stored text, embedded with the same prompt, has cosine 1 with it and
     * below 1 with every other text, so it must come back first whatever the model's quality.
     */
    @Test
    void aQueryRetrievesTheDocumentItDuplicates() {
        BellmEmbeddingModel model = BellmEmbeddingModel.builder().embedder(encoder).modelName("stories260K").documentPrompt(DOCUMENT_PROMPT).build();
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        EmbeddingStoreIngestor.builder().embeddingModel(model).embeddingStore(store).build().ingest(documents());
        EmbeddingStoreContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                .embeddingModel(model.queries()).embeddingStore(store).maxResults(2).build();
        for (int i = 0; i < CORPUS.size(); i++) {
            List<Content> found = retriever.retrieve(Query.from(CORPUS.get(i)));
            assertEquals("doc-" + i, found.get(0).textSegment().metadata().getString("id"), CORPUS.get(i));
            assertEquals(CORPUS.get(i), found.get(0).textSegment().text());
            assertFalse(found.get(1).textSegment().text().equals(CORPUS.get(i)));
        }
    }

    @Test
    void queriesUseTheQueryPromptAndDocumentsTheDocumentPromptOnOneModel() {
        BellmEmbeddingModel docs = BellmEmbeddingModel.builder().embedder(encoder).documentPrompt(DOCUMENT_PROMPT).queryPrompt(QUERY_PROMPT).build();
        BellmEmbeddingModel queries = docs.queries();
        String text = CORPUS.get(2);
        float[] asQuery = queries.embed(text).content().vector();
        float[] asDocument = docs.embed(text).content().vector();
        assertArrayEquals(Embedder.builder().model(DataDirectory.resolve("models/stories260K/stories260K.bin")).normalize(true)
                .prompt(QUERY_PROMPT).build().embed(text), asQuery, "the query prompt, as a separately built encoder gives it");
        assertFalse(java.util.Arrays.equals(asQuery, asDocument), "documents get their own prompt");
        assertSame(encoder.transformer(), queries.embedder().transformer(), "one model in memory");
        assertSame(queries, queries.queries());
    }

    @Test
    void tokenUsageCountsWhatTheModelReadAndDimensionComesFromTheConfig() {
        BellmEmbeddingModel model = BellmEmbeddingModel.builder().embedder(encoder).modelName("stories260K").documentPrompt(DOCUMENT_PROMPT).build();
        List<TextSegment> segments = CORPUS.stream().map(TextSegment::from).toList();
        Response<List<dev.langchain4j.data.embedding.Embedding>> r = model.embedAll(segments);
        int expected = 0;
        for (String t : CORPUS) expected += encoder.tokenizer().encode("Story: " + t).length;
        assertEquals(expected, r.tokenUsage().inputTokenCount());
        assertEquals(CORPUS.size(), r.content().size());
        assertEquals(64, model.dimension(), "stories260K has dim 64");
        assertEquals(64, r.content().get(0).dimension());
        assertEquals("stories260K", model.modelName());
        assertTrue(model.embedAll(List.of()).content().isEmpty());
    }
}
