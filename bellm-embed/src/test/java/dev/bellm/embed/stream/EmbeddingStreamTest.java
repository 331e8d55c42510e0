package dev.bellm.embed.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class EmbeddingStreamTest {
    private static Embedder embedder;
    private static List<String> texts;
    private static float[][] expected;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        embedder = Embedder.builder().model(Fixtures.path("tiny-qwen2")).bidirectionalFrom(1).pooling(Pooling.MEAN).build();
        texts = new ArrayList<>();
        Fixtures.cases().get("texts").forEach(n -> texts.add(n.asText()));
        expected = embedder.embed(texts).vectors();
    }

    private static TextRecordReader lines(String content) {
        return new TextRecordReader(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), "test input", new TextRecordReader.Lines());
    }

    private static List<JsonNode> rows(ByteArrayOutputStream out) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) if (!line.isEmpty()) rows.add(JSON.readTree(line));
        return rows;
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
        return v;
    }

    /** A sink that remembers each batch's size. */
    private static final class Recording implements EmbeddingSink {
        final List<Integer> batches = new CopyOnWriteArrayList<>();
        final List<TextRecord> records = new CopyOnWriteArrayList<>();
        final List<float[]> vectors = new CopyOnWriteArrayList<>();

        @Override
        public void write(List<TextRecord> r, float[][] v, int[] tokens) {
            batches.add(r.size());
            records.addAll(r);
            vectors.addAll(List.of(v));
        }
    }

    @Test
    void everyLineIsEmbeddedOnceInOrderInBatchesNoLargerThanTheBatchSize() throws IOException {
        Recording sink = new Recording();
        var result = new EmbeddingStream(embedder, 3, EmbeddingStream.EmptyTexts.STOP).run(lines(String.join("\n", texts) + "\n"), sink, n -> {});
        assertEquals(texts.size(), result.embedded());
        assertEquals(texts.size(), sink.records.size());
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i + 1, sink.records.get(i).line());
            assertEquals(texts.get(i), sink.records.get(i).text());
            assertArrayEquals(expected[i], sink.vectors.get(i), "the same vector as Embedder.embed gives");
        }
        assertTrue(sink.batches.stream().allMatch(b -> b <= 3), sink.batches.toString());
    }

    @Test
    void jsonLinesIdsArePassedThroughAndBase64DecodesToTheFloats() throws IOException {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) in.append(JSON.writeValueAsString(java.util.Map.of("doc", "d" + (100 + i), "body", texts.get(i)))).append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var reader = new TextRecordReader(new ByteArrayInputStream(in.toString().getBytes(StandardCharsets.UTF_8)), "docs.jsonl",
                new TextRecordReader.JsonLines("doc", "body"));
        new EmbeddingStream(embedder, 4, EmbeddingStream.EmptyTexts.STOP).run(reader, new JsonLinesSink(out, JsonLinesSink.Encoding.BASE64), n -> {});
        List<JsonNode> rows = rows(out);
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals("d" + (100 + i), rows.get(i).get("id").asText());
            assertEquals(i, rows.get(i).get("index").asInt());
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(rows.get(i).get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            assertArrayEquals(expected[i], v);
        }
    }

    @Test
    void aBadJsonLineIsAnErrorNamingTheInputLineAndField() {
        var reader = new TextRecordReader(new ByteArrayInputStream("{\"text\":\"a\"}\n{\"txt\":\"b\"}\n".getBytes(StandardCharsets.UTF_8)), "docs.jsonl",
                new TextRecordReader.JsonLines(null, "text"));
        var e = assertThrows(InputFormatException.class,
                () -> new EmbeddingStream(embedder, 8, EmbeddingStream.EmptyTexts.STOP).run(reader, new Recording(), n -> {}));
        assertTrue(e.getMessage().contains("docs.jsonl line 2") && e.getMessage().contains("\"text\""), e.getMessage());
    }

    @Test
    void anEmptyLineStopsTheRunWithEverythingBeforeItWritten() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String in = texts.get(0) + "\n" + texts.get(1) + "\n" + texts.get(2) + "\n\n" + texts.get(3) + "\n";
        var result = new EmbeddingStream(embedder, 2, EmbeddingStream.EmptyTexts.STOP).run(lines(in), new JsonLinesSink(out, JsonLinesSink.Encoding.FLOAT), n -> {});
        assertTrue(result.stopped());
        assertEquals(4, result.stoppedAtLine());
        List<JsonNode> rows = rows(out);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) assertArrayEquals(expected[i], floats(rows.get(i).get("embedding")));
    }

    @Test
    void skippingEmptyLinesRecordsThemAndKeepsLineNumbers() throws IOException {
        Recording sink = new Recording();
        String in = texts.get(0) + "\n\n" + texts.get(1) + "\n   \n" + texts.get(2) + "\n";
        var result = new EmbeddingStream(embedder, 8, EmbeddingStream.EmptyTexts.SKIP).run(lines(in), sink, n -> {});
        assertEquals(List.of(2L, 4L), result.skippedLines());
        assertEquals(3, result.embedded());
        assertEquals(List.of(1L, 3L, 5L), sink.records.stream().map(TextRecord::line).toList());
        assertArrayEquals(expected[2], sink.vectors.get(2));
    }

    /** A producer writes one line, and writes the next only after that line's embedding came out: streaming or deadlock. */
    @Test
    void eachLineComesOutBeforeTheNextIsWritten() throws Exception {
        PipedOutputStream producer = new PipedOutputStream();
        PipedInputStream pipe = new PipedInputStream(producer, 1 << 16);
        LinkedBlockingQueue<TextRecord> seen = new LinkedBlockingQueue<>();
        EmbeddingSink sink = (records, vectors, tokens) -> seen.addAll(records);
        var reader = new TextRecordReader(pipe, "pipe", new TextRecordReader.Lines());
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                new EmbeddingStream(embedder, 32, EmbeddingStream.EmptyTexts.STOP).run(reader, sink, n -> {});
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < 4; i++) {
            producer.write((texts.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            producer.flush();
            TextRecord out = seen.poll(60, TimeUnit.SECONDS);
            assertNotNull(out, "line " + (i + 1) + " was not embedded while the input stayed open");
            assertEquals(texts.get(i), out.text());
        }
        producer.close();
        consumer.join();
        assertTrue(seen.isEmpty());
    }

    @Test
    void npyHoldsTheMatrixWithItsShape() throws IOException {
        Path file = dir.resolve("v.npy");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            new EmbeddingStream(embedder, 3, EmbeddingStream.EmptyTexts.STOP).run(lines(String.join("\n", texts)), new NpySink(ch, embedder.dimension()), n -> {});
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, b.get(0));
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = Short.toUnsignedInt(b.getShort(8));
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertEquals(0, (10 + headerLen) % 64, "npy aligns the data to 64 bytes");
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (" + texts.size() + ", " + embedder.dimension() + ")"), header);
        assertEquals(10 + headerLen + (long) texts.size() * embedder.dimension() * 4, bytes.length);
        b.position(10 + headerLen);
        for (float[] row : expected) {
            float[] got = new float[row.length];
            b.asFloatBuffer().get(got);
            b.position(b.position() + row.length * 4);
            assertArrayEquals(row, got);
        }
    }
}
