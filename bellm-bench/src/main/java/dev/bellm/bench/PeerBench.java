package dev.bellm.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * bellm's side of {@code scripts/peer-bench.sh}: embeds sentences in the BeLLM prompt (mean pooling, all layers
 * causal but the last) with one model and one kernel provider, and prints one JSON line: time from JVM start to the
 * first vector, warm single-text latency, and tokens/s (real tokens, prompt included) at batch 1 and at batch 32 with
 * and without prompt-prefix reuse, with CPU time ÷ wall time, and the peak resident set beside the checkpoint's size. Also writes the token ids it embedded, so PyTorch runs
 * the very same sequences.
 *
 * <pre>
 * java ... dev.bellm.bench.PeerBench MODEL_DIR SENTENCES_FILE KERNELS(java|onednn) IDS_OUT N1 N32 THREADS
 * </pre>
 */
public final class PeerBench {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private PeerBench() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        List<String> sentences = Files.readAllLines(Path.of(args[1]));
        String kernelsChoice = args[2];
        Path idsOut = Path.of(args[3]);
        int n1 = Integer.parseInt(args[4]), n32 = Integer.parseInt(args[5]), threads = Integer.parseInt(args[6]);
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        Kernels kernels = KernelProvider.select(kernelsChoice, threads);
        int layers = new com.fasterxml.jackson.databind.ObjectMapper().readTree(model.resolve("config.json").toFile())
                .get("num_hidden_layers").asInt();
        Embedder.Builder builder = Embedder.builder().model(model).kernels(kernels).prompt(Embedder.BELLM_PROMPT)
                .pooling(Pooling.MEAN).bidirectionalFrom(layers - 1).batchSize(32).normalize(true);
        Embedder embedder = builder.build();
        embedder.embed(sentences.getFirst());
        double firstVector = (System.currentTimeMillis() - jvmStart) / 1e3;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", "bellm-" + kernelsChoice);
        out.put("kernels", kernels.describe());
        out.put("first_vector_s", firstVector);
        // warm single text: best and median of 7
        for (int i = 0; i < 3; i++) embedder.embed(sentences.get(i));
        List<Double> lat = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            long t0 = System.nanoTime();
            embedder.embed(sentences.get(i % 4));
            lat.add((System.nanoTime() - t0) / 1e6);
        }
        lat.sort(null);
        out.put("latency_ms_best", lat.getFirst());
        out.put("latency_ms_median", lat.get(3));

        List<String> one = sentences.subList(0, n1), many = sentences.subList(0, n32);
        out.putAll(rate("b1", embedder, one, 1));
        out.putAll(rate("b32", embedder, many, 32));
        // before a second encoder maps the same file again (its pages would count twice)
        out.put("peak_rss_mb", peakRssMb());
        Embedder noReuse = builder.reusePromptPrefix(false).build();
        out.putAll(rate("b32_noprefix", noReuse, many, 32));
        out.put("file_mb", Files.size(model.resolve("model.safetensors")) / 1e6);
        Files.writeString(idsOut, many.stream().map(s -> java.util.Arrays.toString(embedder.tokenize(s)))
                .collect(Collectors.joining(",", "[", "]")));
        System.out.println(toJson(out));
        System.exit(0);
    }

    /** The process's peak resident set (VmHWM of /proc/self/status), MB; NaN where there is no /proc. */
    private static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1e3;
            }
        } catch (java.io.IOException e) {
            // no /proc: reported as NaN
        }
        return Double.NaN;
    }

    /** tokens/s over the texts in batches of {@code batch}, after one warm-up batch; and CPU ÷ wall. */
    private static Map<String, Object> rate(String key, Embedder e, List<String> texts, int batch) {
        e.embed(texts.subList(0, Math.min(batch, texts.size())));
        long tokens = 0;
        long cpu0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        for (int start = 0; start < texts.size(); start += batch) {
            Embedder.Embeddings r = e.embed(texts.subList(start, Math.min(texts.size(), start + batch)));
            for (int c : r.tokenCounts()) tokens += c;
        }
        double wall = (System.nanoTime() - t0) / 1e9, cpu = (OS.getProcessCpuTime() - cpu0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key + "_tokens_per_s", tokens / wall);
        m.put(key + "_cpu_per_wall", cpu / wall);
        return m;
    }

    private static String toJson(Map<String, Object> m) {
        return m.entrySet().stream().map(e -> "\"" + e.getKey() + "\": " + (e.getValue() instanceof Number n
                        ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "\"" + e.getValue().toString().replace("\"", "'") + "\""))
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
