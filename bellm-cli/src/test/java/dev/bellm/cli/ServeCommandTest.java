package dev.bellm.cli;

import dev.bellm.SharedData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm serve} gives, for every text, the vector {@code bellm embed} writes with the same flags, bit for bit. */
@SharedData
class ServeCommandTest {
    private static final List<String> TEXTS = List.of("a man is playing a guitar", "the cat sleeps", "two dogs run across a field");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).floatValue();
        return v;
    }

    @Test
    void serveAndEmbedGiveTheSameBits() throws Exception {
        // --kernels java on both: the pure-Java kernels give a row the same bits in any batch; the oneDNN bf16 provider
        // (what auto picks on CPUs with bf16 dot products) was seen to give embed and serve vectors ~1e-5 apart
        Path in = tmp.resolve("texts.txt"), out = tmp.resolve("out.jsonl");
        Files.write(in, TEXTS);
        String model = Fixtures.path("tiny-llama").toString(), lora = Fixtures.path("tiny-llama-lora").toString();
        var embed = CliTestSupport.run("embed", "--model", model, "--adapter", lora, "--bidirectional-from", "2", "--normalize",
                "--kernels", "java", "--input", in.toString(), "--output", out.toString());
        assertEquals(0, embed.exitCode(), embed.err());
        List<String> lines = Files.readAllLines(out);

        int port = freePort();
        ServeCommand serve = new ServeCommand();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> exit.set(new CommandLine(serve).execute("--model", model, "--bidirectional-from", "2",
                "--normalize", "--kernels", "java", "--adapter", "lora=" + lora, "--port", Integer.toString(port))));
        for (int i = 0; i < 600 && (serve.server == null || !serve.server.isReady()); i++) Thread.sleep(50);
        assertTrue(serve.server != null && serve.server.isReady(), "the server did not become ready");
        try {
            HttpClient http = HttpClient.newHttpClient();
            String body = JSON.writeValueAsString(java.util.Map.of("model", "lora", "input", TEXTS, "encoding_format", "base64"));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode data = JSON.readTree(r.body()).get("data");
            for (int i = 0; i < TEXTS.size(); i++) {
                ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(data.get(i).get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
                float[] served = new float[b.remaining() / 4];
                b.asFloatBuffer().get(served);
                assertArrayEquals(floats(JSON.readTree(lines.get(i)).get("embedding")), served, "text " + i);
            }
            HttpResponse<String> base = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny-llama\",\"input\":\"a\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, base.statusCode(), "the base is served under its folder's name: " + base.body());
        } finally {
            serve.server.close();
            t.join(30_000);
        }
        assertEquals(0, exit.get());
    }

    /** An adapter folder stating its own recipe: serve gives what embed --model BASE --adapter DIR gives, prompt and dimensions too. */
    @Test
    void anAdapterWithItsOwnRecipeServesWhatEmbedGives() throws Exception {
        Path own = Files.createDirectories(tmp.resolve("own"));
        Path lora = Fixtures.path("tiny-llama-lora");
        for (String f : List.of(dev.bellm.io.PeftAdapter.CONFIG_FILE, dev.bellm.io.PeftAdapter.WEIGHTS_FILE)) Files.copy(lora.resolve(f), own.resolve(f));
        dev.bellm.embed.EncoderFolder.write(own, dev.bellm.embed.EncoderSpec.builder().bidirectionalFrom(1).pooling(dev.bellm.embed.Pooling.MEAN)
                .includePrompt(false).prompts(java.util.Map.of("query", "query: "), null).normalize(true).build(), 64, 4);
        Path in = tmp.resolve("texts.txt"), out = tmp.resolve("out.jsonl");
        Files.write(in, TEXTS);
        String model = Fixtures.path("tiny-llama").toString();
        var embed = CliTestSupport.run("embed", "--model", model, "--adapter", own.toString(), "--prompt-name", "query", "--dimensions", "16",
                "--kernels", "java", "--input", in.toString(), "--output", out.toString());
        assertEquals(0, embed.exitCode(), embed.err());
        List<String> lines = Files.readAllLines(out);

        int port = freePort();
        ServeCommand serve = new ServeCommand();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> exit.set(new CommandLine(serve).execute("--model", model, "--kernels", "java",
                "--adapter", "plain=" + lora, "--adapter", "own=" + own, "--port", Integer.toString(port))));
        for (int i = 0; i < 600 && (serve.server == null || !serve.server.isReady()); i++) Thread.sleep(50);
        assertTrue(serve.server != null && serve.server.isReady(), "the server did not become ready");
        try {
            HttpClient http = HttpClient.newHttpClient();
            String body = JSON.writeValueAsString(java.util.Map.of("model", "own", "inputs", TEXTS, "prompt_name", "query", "dimensions", 16));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/embed"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode data = JSON.readTree(r.body());
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(floats(JSON.readTree(lines.get(i)).get("embedding")), floats(data.get(i)), "text " + i);
            }
        } finally {
            serve.server.close();
            t.join(30_000);
        }
        assertEquals(0, exit.get());
    }

    @Test
    void aBadAdapterFlagIsAClearError() {
        var r = CliTestSupport.run("serve", "--model", Fixtures.path("tiny-llama").toString(), "--adapter", "no-equals-sign");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--adapter takes NAME=DIR"), r.err());
    }
}
