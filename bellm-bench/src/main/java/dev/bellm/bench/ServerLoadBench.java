package dev.bellm.bench;

import dev.bellm.embed.Embedder;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.RandomWeights;
import dev.bellm.server.EmbeddingServer;
import dev.bellm.server.ServedEncoder;
import dev.bellm.server.ServerOptions;
import dev.bellm.tensor.DType;
import dev.bellm.tokenizer.Tokenizers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load on {@code bellm serve}: {@code connections} clients, each sending one STS-B sentence per OpenAI request
 * (base64, as the SDK does) back to back for {@code seconds}, against the server on loopback; then the same
 * texts through an in-process {@link Embedder} for comparison. Counts statuses and connection errors, and
 * reports throughput and latency percentiles. Client and server share the JVM and the machine's cores, so the
 * server's figure includes what the clients cost.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bellm-bench/target/benchmarks.jar dev.bellm.bench.ServerLoadBench \
 *     --model ../shared/models/stories260K/stories260K.bin|random --data ../shared/data [--connections 200] [--seconds 60]
 * </pre>
 */
public final class ServerLoadBench {
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>(Map.of("model", "random", "connections", "200", "seconds", "60",
            "in-process-seconds", "30", "batch-size", "32", "threads", "2", "max-batch-tokens", "" + ServerOptions.DEFAULT_MAX_BATCH_TOKENS,
            "data", "../shared/data", "warmup-texts", "64", "tokenizer", "../shared/models/stories260K/tok512.bin"));

    private ServerLoadBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--") || !o.containsKey(args[i].substring(2))) throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + o);
            o.put(args[i].substring(2), args[i + 1]);
        }
        List<String> texts = stsbSentences(Path.of(o.get("data")));
        Embedder embedder = embedder(o);
        System.out.printf(Locale.ROOT, "model %s, %d STS-B sentences, load average %.2f%n", o.get("model"), texts.size(), load());

        long cpu0 = cpuNanos(), t0 = System.nanoTime();
        double inProcess = inProcess(embedder, texts, Integer.parseInt(o.get("batch-size")), Double.parseDouble(o.get("in-process-seconds")));
        double cpuShare = (cpuNanos() - cpu0) / (double) (System.nanoTime() - t0);
        System.out.printf(Locale.ROOT, "in-process Embedder, batch %s: %.1f texts/s, %.1f texts per CPU-second (load %.2f)%n",
                o.get("batch-size"), inProcess, inProcess / cpuShare, load());

        ServerOptions options = ServerOptions.defaults().withPort(0).withMaxBatchTokens(Integer.parseInt(o.get("max-batch-tokens")))
                .withWarmupTexts(Integer.parseInt(o.get("warmup-texts")));
        try (EmbeddingServer server = EmbeddingServer.startAndWarmUp(new ServedEncoder(embedder, "bench", Map.of()), options)) {
            load(server.baseUrl(), texts, Integer.parseInt(o.get("connections")), Double.parseDouble(o.get("seconds")), inProcess);
        }
    }

    private static Embedder embedder(Map<String, String> o) {
        Embedder.Builder b = Embedder.builder().prompt(Embedder.BELLM_PROMPT).threads(Integer.parseInt(o.get("threads")))
                .batchSize(Integer.parseInt(o.get("batch-size")));
        if (o.get("model").equals("random")) {
            // the ~100M LLaMA shape of EngineBench: hidden 768, 12 layers, 12 heads, 4 KV heads, intermediate 2048, vocab 32000
            ModelConfig c = new ModelConfig("llama", 768, 2048, 12, 12, 4, 64, 32000, 4096, 10000, null, false, 1e-5, false, false, true, 1, 2);
            b.model(RandomWeights.build(c, DType.F32, 42), Tokenizers.forModel(Path.of(o.get("tokenizer")), Path.of(o.get("tokenizer"))));
        } else {
            b.model(Path.of(o.get("model")));
        }
        return b.build();
    }

    /** Both sentences of every STS-B test pair, each once. */
    static List<String> stsbSentences(Path data) throws IOException {
        LinkedHashSet<String> s = new LinkedHashSet<>();
        for (String line : Files.readAllLines(data.resolve("sts/STSBenchmark/sts-test.csv"))) {
            String[] f = line.split("\t");
            if (f.length >= 7) {
                s.add(f[5]);
                s.add(f[6]);
            }
        }
        return new ArrayList<>(s);
    }

    private static double inProcess(Embedder e, List<String> texts, int batch, double seconds) {
        e.embed(texts.subList(0, Math.min(texts.size(), 4 * batch))); // warm-up
        long start = System.nanoTime();
        int done = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            int from = done % texts.size();
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batch));
            e.embed(chunk);
            done += chunk.size();
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static void load(String url, List<String> texts, int connections, double seconds, double inProcess) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        URI uri = URI.create(url + "/v1/embeddings");
        String[] bodies = texts.stream().map(t -> "{\"model\":\"bench\",\"encoding_format\":\"base64\",\"input\":"
                + quote(t) + "}").toArray(String[]::new);
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        List<long[]> latencies = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime(), cpu0 = cpuNanos();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < connections; c++) {
                long[] mine = new long[1 << 16];
                latencies.add(mine);
                pool.submit(() -> {
                    int n = 0;
                    while (System.nanoTime() < end) {
                        HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(bodies[Math.floorMod(next.getAndIncrement(), bodies.length)])).build();
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                            statuses.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
                            if (n + 1 < mine.length) mine[++n] = System.nanoTime() - t0;
                        } catch (IOException e) {
                            errors.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), k -> new LongAdder()).increment();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    mine[0] = n;
                });
            }
        }
        double wall = (System.nanoTime() - start) / 1e9, cpu = (cpuNanos() - cpu0) / 1e9;
        int total = 0;
        for (long[] l : latencies) total += (int) l[0];
        long[] all = new long[total];
        int k = 0;
        for (long[] l : latencies) for (int i = 1; i <= l[0]; i++) all[k++] = l[i];
        Arrays.sort(all);
        long ok = statuses.getOrDefault(200, new LongAdder()).sum();
        System.out.printf(Locale.ROOT, "server, %d connections, %.0f s: %d requests answered, %.1f texts/s (%.0f%% of in-process), "
                        + "%.1f texts per CPU-second (server and clients together), p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; statuses %s; connection errors %s; load %.2f%n",
                connections, wall, total, ok / wall, 100 * ok / wall / inProcess, ok / cpu, pct(all, 50), pct(all, 90), pct(all, 99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6, statuses, errors.isEmpty() ? "none" : errors, load());
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)] / 1e6;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** CPU time of the whole process, all threads. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
