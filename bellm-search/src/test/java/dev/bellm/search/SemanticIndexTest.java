package dev.bellm.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;
import dev.bellm.embed.stream.TextRecordReader;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class SemanticIndexTest {
    private static final List<String> CORPUS = List.of(
            "Lily found a red ball in the park.",
            "Tom and his dog ran to the big tree.",
            "The little bird sang a happy song.",
            "Mom made a cake for the party.",
            "A cat sat on the warm mat and slept.",
            "Ben was sad because his toy was broken.",
            "The sun was hot so they went to the sea.");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path corpus() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < CORPUS.size(); i++) s.append(JSON.writeValueAsString(Map.of("id", "story-" + i, "text", CORPUS.get(i)))).append('\n');
        Path file = dir.resolve("docs.jsonl");
        Files.writeString(file, s);
        return file;
    }

    private static EmbedderRecipe recipe() {
        return EmbedderRecipe.of(DataDirectory.resolve("models/stories260K/stories260K.bin")).withPrompt("Story: {text}");
    }

    private Path build(String queryPrompt) throws IOException {
        Path index = dir.resolve("index");
        try (var reader = new TextRecordReader(Files.newInputStream(corpus()), "docs.jsonl", new TextRecordReader.JsonLines("id", "text"))) {
            var result = SemanticIndex.build(recipe(), queryPrompt, reader, index, new SemanticIndex.BuildOptions(3, 2, false), n -> {});
            assertEquals(CORPUS.size(), result.documents());
        }
        return index;
    }

    /** The oracle: a query equal to a stored text, embedded the same way, has cosine 1 with it and less with any other. */
    @Test
    void eachDocumentIsFoundByItsOwnText() throws IOException {
        Path index = build("Story: {text}");
        try (SemanticIndex search = SemanticIndex.open(index, 2)) {
            assertEquals(CORPUS.size(), search.size());
            for (int i = 0; i < CORPUS.size(); i++) {
                List<SemanticIndex.Hit> hits = search.search(CORPUS.get(i), 3);
                assertEquals("story-" + i, hits.get(0).id());
                assertEquals(CORPUS.get(i), hits.get(0).text());
                assertEquals(i + 1, hits.get(0).line());
                assertEquals(1.0, hits.get(0).score(), 1e-5);
                assertTrue(hits.get(1).score() < hits.get(0).score());
            }
        }
    }

    /** Queries go through the stored query prompt: scores equal cosines computed by separately built encoders. */
    @Test
    void queriesUseTheStoredQueryPromptAndScoresAreCosines() throws IOException {
        String queryPrompt = "Which story says {text}";
        Path index = build(queryPrompt);
        Map<?, ?> meta = JSON.readValue(index.resolve(SemanticIndex.RECIPE_FILE).toFile(), Map.class);
        assertEquals(queryPrompt, meta.get("query_prompt"));
        assertEquals("Story: {text}", ((Map<?, ?>) meta.get("recipe")).get("prompt"));
        Embedder queries = recipe().withPrompt(queryPrompt).builder().build();
        Embedder documents = recipe().builder().build();
        try (SemanticIndex search = SemanticIndex.open(index, 2)) {
            assertEquals(queryPrompt, search.queryEmbedder().prompt());
            String query = "a dog ran to a tree";
            List<SemanticIndex.Hit> hits = search.search(query, CORPUS.size());
            assertEquals(CORPUS.size(), hits.size());
            float[] q = queries.embed(query);
            double best = Double.NEGATIVE_INFINITY;
            String bestId = null;
            for (SemanticIndex.Hit hit : hits) {
                double cos = Fixtures.cosine(q, documents.embed(hit.text()));
                assertEquals(cos, hit.score(), 1e-4, hit.id());
                if (cos > best) {
                    best = cos;
                    bestId = hit.id();
                }
            }
            assertEquals(bestId, hits.get(0).id(), "best first");
        }
    }

    @Test
    void anExistingDirectoryIsNotOverwrittenAndANonIndexIsRefused() throws IOException {
        Path index = build("Story: {text}");
        try (var reader = new TextRecordReader(Files.newInputStream(corpus()), "docs.jsonl", new TextRecordReader.JsonLines("id", "text"))) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> SemanticIndex.build(recipe(), null, reader, index, SemanticIndex.BuildOptions.defaults(), n -> {}));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> SemanticIndex.open(dir, 1));
        assertTrue(e.getMessage().contains("not a bellm index"), e.getMessage());
        assertFalse(Files.exists(dir.resolve(".index." + ProcessHandle.current().pid() + ".tmp")));
    }
}
