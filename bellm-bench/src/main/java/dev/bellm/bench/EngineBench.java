package dev.bellm.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.bellm.embed.Pooling;
import dev.bellm.io.Llama2cCheckpoint;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;
import dev.bellm.model.Batch;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.RandomWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.train.AdamW;
import dev.bellm.train.LoraInit;
import dev.bellm.train.loss.AngleObjective;

import java.lang.management.BufferPoolMXBean;
import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Whole-engine throughput: embedding (forward + pooling) and LoRA training steps, on a random model of any shape
 * or a llama2.c checkpoint, with sentences of random lengths and random token ids (only shapes matter for speed).
 * A plain runner rather than JMH because one measurement takes minutes on the 100M model; see docs/PERFORMANCE.md
 * for the commands and results.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bellm-bench/target/benchmarks.jar \
 *     dev.bellm.bench.EngineBench embed|train|memory [--option value]...
 * </pre>
 *
 * Every line reports wall-clock rates and rates per CPU-second of the whole process (all threads): on a machine
 * shared with other processes the second stays near what an idle core would do. MFU divides the per-CPU-second FLOP
 * rate by one core's FMA peak ({@code --peak}, GFLOP/s, from {@code FmaPeakBenchmark}).
 */
public final class EngineBench {
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Options and their defaults; {@code --name value} on the command line replaces one. */
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("model", "random"),      // "random" (the shape below) or a llama2.c .bin checkpoint
            Map.entry("dtype", "F32"),         // weights of the random model: F32, BF16, F16
            Map.entry("hidden", "768"), Map.entry("layers", "12"), Map.entry("heads", "12"), Map.entry("kv-heads", "4"),
            Map.entry("intermediate", "2048"), Map.entry("vocab", "32000"),
            Map.entry("threads", "2"),
            Map.entry("kernels", "java"),      // the kernel provider: java, onednn or auto (KernelProvider)
            Map.entry("batches", "1,8,32"),    // embed: sentences per forward pass
            Map.entry("sentences", "96"),      // embed: sentences per pass; every batch size embeds the same ones
            Map.entry("min-length", "8"), Map.entry("max-length", "64"),
            Map.entry("warmup-passes", "1"), Map.entry("min-passes", "1"),
            Map.entry("min-seconds", "20"),    // measure whole passes (or steps) until this much wall time has passed
            Map.entry("pairs", "16"),          // train: pairs per step (2 × this sentences)
            Map.entry("rank", "32"),           // train: LoRA rank on all seven projections, alpha = rank
            Map.entry("warmup-steps", "2"), Map.entry("min-steps", "3"),
            Map.entry("bidirectional-from", "-1"), // -1: the last layer only (BeLLM); a number: layers >= it
            Map.entry("peak", "84.5"),         // GFLOP/s of one core's FMA peak (FmaPeakBenchmark, 1 thread)
            Map.entry("seed", "1"));

    private final Map<String, String> options;

    private EngineBench(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("embed", "train", "memory").contains(args[0]) || args.length % 2 == 0) {
            System.err.println("usage: EngineBench embed|train|memory [--option value]...; options and defaults: "
                    + new java.util.TreeMap<>(DEFAULTS));
            System.exit(2);
        }
        Map<String, String> options = new HashMap<>(DEFAULTS);
        for (int i = 1; i < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!DEFAULTS.containsKey(name)) throw new IllegalArgumentException("unknown option " + args[i]);
            options.put(name, args[i + 1]);
        }
        EngineBench bench = new EngineBench(options);
        switch (args[0]) {
            case "embed" -> bench.embed();
            case "train" -> bench.train();
            default -> bench.memory();
        }
    }

    // ---------------------------------------------------------------- embedding

    private void embed() throws Exception {
        ModelWeights weights = model(DType.valueOf(text("dtype")));
        int from = bidirectionalFrom(weights.config());
        int[][] sentences = sentences(weights.config().vocabSize(), number("sentences"));
        ModelFlops flops = ModelFlops.of(weights);
        try (Closing closing = new Closing(KernelProvider.select(text("kernels"), number("threads")))) {
            Kernels kernels = closing.kernels();
            Transformer transformer = new Transformer(weights, kernels);
            System.out.println(describe(weights, kernels) + ", bidirectional from layer " + from + ", " + sentences.length
                    + " sentences per pass, " + totalTokens(sentences) + " tokens");
            System.out.println("| batch | tokens | wall s | CPU s | tokens/s (wall) | tokens per CPU-s | GFLOP/s (wall)"
                    + " | GFLOP per CPU-s | MFU per busy core |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (String b : text("batches").split(",")) {
                int batchSize = Integer.parseInt(b.trim());
                List<Batch> batches = new ArrayList<>();
                double gflop = 0;
                for (int start = 0; start < sentences.length; start += batchSize) {
                    Batch batch = Batch.of(Arrays.copyOfRange(sentences, start, Math.min(sentences.length, start + batchSize)));
                    batches.add(batch);
                    gflop += flops.forward(batch, from) / 1e9;
                }
                Runnable pass = () -> {
                    for (Batch batch : batches) Pooling.LAST.pool(transformer.hiddenStates(batch, AttentionLayers.bidirectionalFrom(from)), batch,
                            weights.config().hiddenSize());
                };
                for (int i = 0; i < number("warmup-passes"); i++) pass.run();
                Measurement m = Measurement.repeat(pass, number("min-passes"), number("min-seconds"));
                report(batchSize, m, m.runs() * totalTokens(sentences), m.runs() * gflop);
            }
        }
    }

    // ---------------------------------------------------------------- training

    /** What {@code Trainer} does per optimizer step, without tokenizing: AnglE on pairs, LoRA dropout 0.1, AdamW. */
    private void train() throws Exception {
        int rank = number("rank");
        ModelWeights weights = LoraInit.attach(model(DType.valueOf(text("dtype"))), LayerWeights.PROJECTIONS, rank, rank,
                false, number("seed"));
        ModelConfig c = weights.config();
        int from = bidirectionalFrom(c), pairs = number("pairs"), h = c.hiddenSize();
        int[][] sentences = sentences(c.vocabSize(), 2 * pairs * 16);
        float[] labels = new float[2 * pairs];
        for (int i = 0; i < pairs; i++) labels[2 * i] = labels[2 * i + 1] = i % 2; // the IBN term needs 0/1 labels
        AngleObjective objective = AngleObjective.defaults();
        ModelFlops flops = ModelFlops.of(weights);
        LoraGradients grads = new LoraGradients(weights);
        AdamW optimizer = new AdamW(weights, grads, 0.9, 0.999, 1e-8, 0);
        try (Closing closing = new Closing(KernelProvider.select(text("kernels"), number("threads")))) {
            Kernels kernels = closing.kernels();
            Transformer transformer = new Transformer(weights, kernels);
            System.out.println(describe(weights, kernels) + ", LoRA r " + rank + " on all projections (" + flops.loraWeights()
                    + " parameters), " + pairs + " pairs per step, bidirectional from layer " + from);
            int[] step = {0};
            long[] tokens = {0};
            double[] modelGflop = {0}, executedGflop = {0};
            Runnable oneStep = () -> {
                int first = (step[0] * 2 * pairs) % sentences.length;
                Batch batch = Batch.of(Arrays.copyOfRange(sentences, first, first + 2 * pairs));
                float[] hidden = new float[batch.tokenCount() * h];
                Transformer.TrainingPass pass = transformer.trainingForward(batch, AttentionLayers.bidirectionalFrom(from),
                        new Transformer.LoraDropout(0.1, step[0]), hidden);
                float[][] pooled = Pooling.LAST.pool(hidden, batch, h);
                float[] flat = new float[2 * pairs * h], dFlat = new float[2 * pairs * h];
                for (int r = 0; r < 2 * pairs; r++) System.arraycopy(pooled[r], 0, flat, r * h, h);
                objective.forward(flat, 2 * pairs, h, labels, dFlat);
                float[][] dPooled = new float[2 * pairs][];
                for (int r = 0; r < 2 * pairs; r++) dPooled[r] = Arrays.copyOfRange(dFlat, r * h, (r + 1) * h);
                float[] dHidden = new float[hidden.length];
                Pooling.LAST.backward(dPooled, batch, h, dHidden);
                transformer.backward(pass, dHidden, grads);
                optimizer.clipGradients(1.0);
                optimizer.update(1e-4);
                step[0]++;
                tokens[0] += batch.tokenCount();
                modelGflop[0] += flops.trainingModel(batch, from) / 1e9;
                executedGflop[0] += flops.trainingExecuted(batch, from) / 1e9;
            };
            for (int i = 0; i < number("warmup-steps"); i++) oneStep.run();
            tokens[0] = 0;
            modelGflop[0] = executedGflop[0] = 0;
            Measurement m = Measurement.repeat(oneStep, number("min-steps"), number("min-seconds"));
            System.out.println("| steps | tokens | wall s | CPU s | tokens/s (wall) | tokens per CPU-s | model GFLOP per CPU-s"
                    + " (3×fwd) | MFU per busy core | executed GFLOP per CPU-s | executed / peak |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double peak = Double.parseDouble(text("peak"));
            System.out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.0f | %.0f | %.2f | %.1f %% | %.2f | %.1f %% |%n",
                    m.runs(), tokens[0], m.wallSeconds(), m.cpuSeconds(), tokens[0] / m.wallSeconds(),
                    tokens[0] / m.cpuSeconds(), modelGflop[0] / m.cpuSeconds(), 100 * modelGflop[0] / m.cpuSeconds() / peak,
                    executedGflop[0] / m.cpuSeconds(), 100 * executedGflop[0] / m.cpuSeconds() / peak);
        }
    }

    // ---------------------------------------------------------------- memory

    /**
     * Builds the random model in F32 and in BF16 and reports the native memory each took, as the JVM counts it
     * (the "direct" buffer pool, where {@code Arena} allocations of {@code Matrix.of} are counted), next to the
     * sum of the weight matrices' sizes.
     */
    private void memory() {
        System.out.println("| weights | parameters | Σ matrix bytes | native memory allocated (JVM direct pool) |");
        System.out.println("| :---: | ---: | ---: | ---: |");
        List<ModelWeights> kept = new ArrayList<>(); // both stay reachable, so neither is freed while the other is built
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            long before = directMemory();
            ModelWeights w = model(dtype);
            kept.add(w);
            long used = directMemory() - before;
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %,d |%n", dtype, w.parameterCount(), matrixBytes(w), used);
        }
        Reference.reachabilityFence(kept);
    }

    private static long directMemory() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) return pool.getMemoryUsed();
        }
        throw new IllegalStateException("this JVM has no 'direct' buffer pool bean");
    }

    private static long matrixBytes(ModelWeights w) {
        long bytes = w.embedTokens().data.byteSize();
        if (w.lmHead() != w.embedTokens()) bytes += w.lmHead().data.byteSize();
        for (LayerWeights layer : w.layers()) {
            for (String p : LayerWeights.PROJECTIONS) bytes += layer.projection(p).weight().data.byteSize();
        }
        return bytes;
    }

    // ---------------------------------------------------------------- shared

    private ModelWeights model(DType dtype) {
        String model = text("model");
        if (!model.equals("random")) return Llama2cCheckpoint.load(Path.of(model));
        int hidden = number("hidden"), heads = number("heads");
        ModelConfig c = new ModelConfig("llama", hidden, number("intermediate"), number("layers"), heads, number("kv-heads"),
                hidden / heads, number("vocab"), 4096, 10000, null, false, 1e-5, false, false, true, 1, 2);
        return RandomWeights.build(c, dtype, number("seed"));
    }

    private int bidirectionalFrom(ModelConfig c) {
        int from = number("bidirectional-from");
        return from < 0 ? c.numLayers() - 1 : from;
    }

    /** Sentences of lengths uniform in [min-length, max-length], BOS then random ids. */
    private int[][] sentences(int vocab, int count) {
        SplittableRandom rng = new SplittableRandom(number("seed"));
        int[][] out = new int[count][];
        for (int s = 0; s < count; s++) {
            out[s] = new int[rng.nextInt(number("min-length"), number("max-length") + 1)];
            out[s][0] = 1;
            for (int i = 1; i < out[s].length; i++) out[s][i] = rng.nextInt(3, vocab);
        }
        return out;
    }

    private static long totalTokens(int[][] sentences) {
        long n = 0;
        for (int[] s : sentences) n += s.length;
        return n;
    }

    private String describe(ModelWeights w, Kernels kernels) {
        ModelConfig c = w.config();
        return String.format(Locale.ROOT, "%s: %,d parameters (%,d in the projections), %s, hidden %d, %d layers, %d/%d heads,"
                        + " intermediate %d, vocab %d; kernels %s", text("model"), w.parameterCount(),
                ModelFlops.of(w).baseWeights(), w.dtype(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.intermediateSize(), c.vocabSize(), kernels.describe());
    }

    private void report(int batchSize, Measurement m, long tokens, double gflop) {
        double peak = Double.parseDouble(text("peak"));
        System.out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.0f | %.0f | %.2f | %.2f | %.1f %% |%n", batchSize, tokens,
                m.wallSeconds(), m.cpuSeconds(), tokens / m.wallSeconds(), tokens / m.cpuSeconds(), gflop / m.wallSeconds(),
                gflop / m.cpuSeconds(), 100 * gflop / m.cpuSeconds() / peak);
    }

    private String text(String name) {
        return options.get(name);
    }

    private int number(String name) {
        return Integer.parseInt(options.get(name));
    }

    /** Wall and process CPU time of {@code runs} calls. */
    private record Measurement(int runs, double wallSeconds, double cpuSeconds) {
        /** Calls {@code work} at least {@code minRuns} times and until {@code minSeconds} of wall time have passed. */
        static Measurement repeat(Runnable work, int minRuns, int minSeconds) {
            long wall0 = System.nanoTime(), cpu0 = OS.getProcessCpuTime();
            int runs = 0;
            while (runs < minRuns || System.nanoTime() - wall0 < minSeconds * 1_000_000_000L) {
                work.run();
                runs++;
            }
            return new Measurement(runs, (System.nanoTime() - wall0) / 1e9, (OS.getProcessCpuTime() - cpu0) / 1e9);
        }
    }

    /** Closes the kernels when they hold threads or native resources. */
    private record Closing(Kernels kernels) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (kernels instanceof AutoCloseable c) c.close();
        }
    }
}
