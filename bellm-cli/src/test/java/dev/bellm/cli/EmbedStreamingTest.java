package dev.bellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm embed} as a stream: output appears while the input is still open; blank lines stop or are skipped. */
@SharedData
class EmbedStreamingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The real command in its own JVM, stdin and stdout as pipes: each line's row must come out before the next line goes in. */
    @Test
    void outputComesOutBeforeTheInputEnds() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.bellm.cli.Main", "embed", "--model", Fixtures.path("tiny-llama").toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (Exception ignored) {
                // the process ended
            }
        });
        OutputStream in = p.getOutputStream();
        List<String> texts = List.of("a man is playing a guitar", "the cat sat", "two dogs run on the beach");
        try {
            for (int i = 0; i < texts.size(); i++) {
                in.write((texts.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                String row = lines.poll(120, TimeUnit.SECONDS);
                assertNotNull(row, "no output for line " + (i + 1) + " while the input was still open");
                assertEquals(i + 1, JSON.readTree(row).get("line").asInt());
            }
            in.close();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anEmptyLineStopsWithACompleteOutputBeforeIt() throws Exception {
        Path input = dir.resolve("t.txt"), output = dir.resolve("o.jsonl");
        Files.writeString(input, "one text\nanother text\n\nnever read\n");
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", Fixtures.path("tiny-llama").toString(), "--input", input.toString(),
                "--output", output.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("line 3 is empty") && run.err().contains("--skip-empty"), run.err());
        List<String> rows = Files.readAllLines(output);
        assertEquals(2, rows.size());
        assertEquals(2, JSON.readTree(rows.get(1)).get("line").asInt());
    }

    @Test
    void skipEmptyReportsTheLinesAndJsonLinesIdsGoThrough() throws Exception {
        Path input = dir.resolve("docs.jsonl"), output = dir.resolve("o.jsonl");
        Files.writeString(input, "{\"doc\":\"a1\",\"body\":\"one text\"}\n{\"doc\":\"a2\",\"body\":\"\"}\n{\"doc\":\"a3\",\"body\":\"third text\"}\n");
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", Fixtures.path("tiny-llama").toString(), "--input", input.toString(),
                "--id-field", "doc", "--text-field", "body", "--skip-empty", "--output", output.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("skipped 1 empty lines: 2"), run.err());
        List<String> rows = Files.readAllLines(output);
        assertEquals(2, rows.size());
        JsonNode second = JSON.readTree(rows.get(1));
        assertEquals("a3", second.get("id").asText());
        assertEquals(3, second.get("line").asInt());
    }

    @Test
    void npyOutputHasOneRowPerText() throws Exception {
        Path input = dir.resolve("t.txt"), output = dir.resolve("v.npy");
        Files.writeString(input, "one\ntwo\nthree\n");
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", Fixtures.path("tiny-llama").toString(), "--input", input.toString(),
                "--output", output.toString());
        assertEquals(0, run.exitCode(), run.err());
        byte[] b = Files.readAllBytes(output);
        String header = new String(b, 10, 118, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (3, 64)"), header);
        assertEquals(128 + 3 * 64 * 4, b.length);
    }
}
