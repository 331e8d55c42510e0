package dev.bellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.SharedData;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm index} then {@code bellm search}: a query that repeats a document finds it first, with only the index given. */
@SharedData
class IndexSearchCommandTest {
    @TempDir
    Path dir;

    @Test
    void searchFindsTheDocumentTheQueryRepeats() throws Exception {
        Path docs = dir.resolve("docs.jsonl");
        Files.writeString(docs, """
                {"id": "ball", "text": "Lily found a red ball in the park."}
                {"id": "dog", "text": "Tom and his dog ran to the big tree."}
                {"id": "bird", "text": "The little bird sang a happy song."}
                {"id": "cake", "text": "Mom made a cake for the party."}
                """);
        Path index = dir.resolve("idx");
        CliTestSupport.Run built = CliTestSupport.run("index", "--model", DataDirectory.resolve("models/stories260K/stories260K.bin").toString(),
                "--prompt", "Story: {text}", "--input", docs.toString(), "--index", index.toString());
        assertEquals(0, built.exitCode(), built.err());
        assertTrue(built.err().contains("4 documents"), built.err());
        CliTestSupport.Run found = CliTestSupport.run("search", "--index", index.toString(), "-k", "2", "--json", "The little bird sang a happy song.");
        assertEquals(0, found.exitCode(), found.err());
        String[] rows = found.out().strip().split("\n");
        assertEquals(2, rows.length, found.out());
        JsonNode first = new ObjectMapper().readTree(rows[0]);
        assertEquals("bird", first.get("id").asText());
        assertEquals(1.0, first.get("score").asDouble(), 1e-5);
        CliTestSupport.Run again = CliTestSupport.run("index", "--model", DataDirectory.resolve("models/stories260K/stories260K.bin").toString(),
                "--input", docs.toString(), "--index", index.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already exists"), again.err());
    }
}
