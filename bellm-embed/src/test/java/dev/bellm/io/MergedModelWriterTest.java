package dev.bellm.io;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.embed.Pooling;
import dev.bellm.generate.Generator;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.KvCache;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import dev.bellm.tokenizer.Llama2cTokenizer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class MergedModelWriterTest {
    /** The fixtures README: float32 engines agree with the float64 oracle to about 1e-4 relative. */
    private static final double TOLERANCE = 1e-4;
    /** tiny-llama-lora/adapter_config.json: lora_alpha 8, r 4. */
    private static final double TINY_LORA_SCALE = 8.0 / 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path STORIES = DataDirectory.resolve("models/stories260K/stories260K.bin");

    private static MergedModelWriter.Result merge(String base, String adapter, Path output, MergedModelWriter.Options options)
            throws IOException {
        return MergedModelWriter.merge(Fixtures.path(base), null, adapter == null ? List.of() : List.of(Fixtures.path(adapter)), output,
                options, MergedModelWriter.Progress.NONE);
    }

    @Test
    void tinyLlamaMergedWithItsAdapterGivesTheFixtureLoraEmbeddings(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("merged");
        MergedModelWriter.Result result = merge("tiny-llama", "tiny-llama-lora", out, MergedModelWriter.Options.DEFAULTS);
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"), result.files());
        assertEquals(1, result.shards());

        ModelWeights merged = ModelLoader.load(out);
        for (LayerWeights layer : merged.layers()) {
            for (String p : LayerWeights.PROJECTIONS) assertNull(layer.projection(p).lora(), "a merged model has no LoRA left");
        }
        assertFixtureEmbeddings(merged, "tiny-llama", "bellm-prompt-last-lora");
        assertFixtureEmbeddings(merged, "tiny-llama", "bidir-last2-prompt-mean-lora");

        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            assertEquals(-1, Files.mismatch(Fixtures.path("tiny-llama").resolve(file), out.resolve(file)), file + " is copied as is");
        }
        Tokenizer tokenizer = Tokenizers.forModel(out, null);
        String prompt = Fixtures.cases().get("prompt").asText();
        for (int i = 0; i < Fixtures.textCount(); i++) {
            String text = Fixtures.cases().get("texts").get(i).asText();
            assertArrayEquals(Fixtures.ids("prompt", i), tokenizer.encode(prompt.replace("{text}", text)));
        }
    }

    @Test
    void bf16BaseStaysBf16WithEachMergedWeightRoundedOnce(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("merged");
        merge("tiny-llama-bf16-sharded", "tiny-llama-lora", out, MergedModelWriter.Options.DEFAULTS);
        SafetensorsFile merged = SafetensorsFile.open(out.resolve(HfCheckpoint.WEIGHTS_FILE));
        Map<String, SafetensorsFile> base = shardsByTensor(Fixtures.path("tiny-llama-bf16-sharded"));
        SafetensorsFile adapter = SafetensorsFile.open(Fixtures.path("tiny-llama-lora").resolve(PeftAdapter.WEIGHTS_FILE));
        assertEquals(base.keySet(), merged.names());

        int adapted = 0;
        for (String name : merged.names()) {
            assertEquals("BF16", merged.entry(name).dtype(), name);
            double[] got = merged.doubles(name);
            double[] stored = base.get(name).doubles(name);
            String loraA = "base_model.model." + name.replace(".weight", ".lora_A.weight");
            if (!adapter.contains(loraA)) {
                assertArrayEquals(stored, got, 0, name + " is copied as stored");
                continue;
            }
            adapted++;
            double[] a = adapter.doubles(loraA);
            double[] b = adapter.doubles(loraA.replace("lora_A", "lora_B"));
            long[] shape = merged.entry(name).shape();
            int rows = (int) shape[0], cols = (int) shape[1], rank = a.length / cols;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double delta = 0, magnitude = Math.abs(stored[i * cols + j]);
                    for (int k = 0; k < rank; k++) {
                        delta += b[i * rank + k] * a[k * cols + j];
                        magnitude += TINY_LORA_SCALE * Math.abs(b[i * rank + k] * a[k * cols + j]);
                    }
                    double exact = stored[i * cols + j] + TINY_LORA_SCALE * delta;
                    double value = got[i * cols + j];
                    // the sum in float (a few roundings of 2^-24 of its terms' size), then one rounding to bf16: within
                    // half a bf16 step of the exact merge, plus the float error
                    double floatError = 2 * (rank + 1) * 0x1p-24 * magnitude;
                    double halfStep = 0.5 * Math.max(bf16Step(value), bf16Step(exact));
                    assertTrue(Math.abs(value - exact) <= halfStep + floatError,
                            name + "[" + i + ", " + j + "] = " + value + ", exact merge " + exact);
                }
            }
        }
        assertEquals(4 * 7, adapted, "every projection of the 4 layers is adapted");
    }

    @Test
    void shardsStayUnderTheLimitAndTheirIndexLoads(@TempDir Path tmp) throws IOException {
        long limit = 200_000; // below the 385,792-byte embedding matrix, above one layer's ~172 KB
        Path out = tmp.resolve("merged");
        MergedModelWriter.Result result = merge("tiny-llama", "tiny-llama-lora", out, new MergedModelWriter.Options(limit, false));
        assertTrue(result.shards() > 2, "shards: " + result.shards());
        assertFalse(Files.exists(out.resolve(HfCheckpoint.WEIGHTS_FILE)));

        JsonNode index = JSON.readTree(out.resolve(HfCheckpoint.INDEX_FILE).toFile());
        Map<String, String> weightMap = new HashMap<>();
        index.get("weight_map").properties().forEach(e -> weightMap.put(e.getKey(), e.getValue().asText()));
        Set<String> seen = new HashSet<>();
        long totalBytes = 0;
        for (int s = 1; s <= result.shards(); s++) {
            String name = String.format("model-%05d-of-%05d.safetensors", s, result.shards());
            SafetensorsFile shard = SafetensorsFile.open(out.resolve(name));
            long bytes = 0;
            for (String tensor : shard.names()) {
                assertEquals(name, weightMap.get(tensor), tensor);
                assertTrue(seen.add(tensor), tensor + " is in one shard only");
                SafetensorsFile.Entry e = shard.entry(tensor);
                bytes += e.end() - e.begin();
            }
            assertTrue(bytes <= limit || shard.names().size() == 1, name + " holds " + bytes + " bytes of tensors");
            totalBytes += bytes;
        }
        assertEquals(weightMap.keySet(), seen);
        assertEquals(totalBytes, index.get("metadata").get("total_size").asLong());
        assertEquals(result.tensorBytes(), totalBytes);
        assertFixtureEmbeddings(ModelLoader.load(out), "tiny-llama", "bidir-last2-prompt-mean-lora");
    }

    @Test
    void stories260KInHuggingFaceLayoutGeneratesWhatLlama2cDoes(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("stories-hf");
        MergedModelWriter.Result result = MergedModelWriter.write(ModelLoader.load(STORIES), STORIES, null, out,
                MergedModelWriter.Options.DEFAULTS, MergedModelWriter.Progress.NONE);
        assertEquals(List.of("config.json", "model.safetensors", "tok512.bin"), result.files());

        ModelWeights hf = ModelLoader.load(out);
        assertEquals("llama", hf.config().architecture());
        assertFalse(hf.config().ropeInterleaved());
        assertTrue(hf.config().tieWordEmbeddings());
        Tokenizer tokenizer = Tokenizers.forModel(out, null);
        assertInstanceOf(Llama2cTokenizer.class, tokenizer);
        int[] tokens = new Generator(new Transformer(hf, new VectorKernels(2))).generate(new int[] {1}, 256, 0, 0, next -> {});
        String expected = Files.readString(DataDirectory.resolve("models/stories260K/greedy256_from_BOS.txt"));
        assertEquals(expected, tokenizer.decode(tokens) + "\n");
    }

    @Test
    void stories260KWithARandomAdapterMergesToTheSameLogits(@TempDir Path tmp) throws IOException {
        Path adapter = tmp.resolve("adapter");
        PeftAdapter.save(adapter, withRandomLora(ModelLoader.load(STORIES), 2, 3.0, 7), "stories260K", 3.0, false);
        Path out = tmp.resolve("merged");
        MergedModelWriter.merge(STORIES, null, List.of(adapter), out, MergedModelWriter.Options.DEFAULTS, MergedModelWriter.Progress.NONE);

        Transformer unmerged = new Transformer(PeftAdapter.load(adapter).apply(ModelLoader.load(STORIES)), new VectorKernels(2));
        Transformer merged = new Transformer(ModelLoader.load(out), new VectorKernels(2));
        int steps = 48;
        KvCache unmergedCache = unmerged.newCache(steps), mergedCache = merged.newCache(steps);
        int token = 1;
        for (int step = 0; step < steps; step++) {
            float[] expected = unmerged.nextTokenLogits(unmergedCache, token);
            float[] actual = merged.nextTokenLogits(mergedCache, token);
            double err = Fixtures.relativeError(actual, toDoubles(expected));
            assertTrue(err < TOLERANCE, "step " + step + ": relative error " + err);
            token = argmax(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-qwen3"})
    void qwenBiasesAndQkNormsSurviveTheRoundTrip(String model, @TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("merged");
        MergedModelWriter.merge(Fixtures.path(model), null, List.of(), out, MergedModelWriter.Options.DEFAULTS,
                MergedModelWriter.Progress.NONE);
        SafetensorsFile original = SafetensorsFile.open(Fixtures.path(model).resolve(HfCheckpoint.WEIGHTS_FILE));
        SafetensorsFile merged = SafetensorsFile.open(out.resolve(HfCheckpoint.WEIGHTS_FILE));
        assertEquals(original.names(), merged.names());
        for (String name : original.names()) {
            assertEquals(original.entry(name).dtype(), merged.entry(name).dtype(), name);
            assertArrayEquals(original.doubles(name), merged.doubles(name), 0, name);
        }
        assertFixtureEmbeddings(ModelLoader.load(out), model, "bellm-last");
    }

    @Test
    void rotateHalfOrderTakesEachHeadsEvenRowsFirst() {
        // head_dim 4: pairs (0,1) and (2,3) interleaved become (0,2) and (1,3) in rotate_half form
        assertArrayEquals(new int[] {0, 2, 1, 3, 4, 6, 5, 7}, MergedModelWriter.rotateHalfRowOrder(8, 4));
        assertArrayEquals(new int[] {0, 2, 4, 1, 3, 5}, MergedModelWriter.rotateHalfRowOrder(6, 6));
    }

    @Test
    void refusesANonEmptyOutputUnlessAllowedToReplaceIt(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        MergedModelWriter.Options force = new MergedModelWriter.Options(MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true);
        merge("tiny-llama", null, out, MergedModelWriter.Options.DEFAULTS);
        var e = assertThrows(MergedModelWriter.OutputNotEmptyException.class,
                () -> merge("tiny-llama", "tiny-llama-lora", out, MergedModelWriter.Options.DEFAULTS));
        assertTrue(e.getMessage().contains("not empty") && e.getMessage().contains(out.toString()), e.getMessage());

        List<String> before = listing(out);
        MergedModelWriter.Result r = merge("tiny-llama", "tiny-llama-lora", out, force);
        assertEquals(before, r.replaced(), "says which files of the old model it removed");
        assertFixtureEmbeddings(ModelLoader.load(out), "tiny-llama", "bellm-prompt-last-lora");
        assertEquals(List.of("out"), listing(tmp), "no temporary directory is left beside the output");
    }

    @Test
    void forceNeverReplacesAFolderThatHoldsNoModel(@TempDir Path tmp) throws IOException {
        MergedModelWriter.Options force = new MergedModelWriter.Options(MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true);
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("notes.txt"), "keep me");
        Files.writeString(notes.resolve("config.json"), "{}"); // a config alone is not a model either
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> merge("tiny-llama", "tiny-llama-lora", notes, force));
        assertTrue(e.getMessage().contains("holds no model") && e.getMessage().contains("notes.txt"), e.getMessage());
        assertEquals("keep me", Files.readString(notes.resolve("notes.txt")));
        assertEquals(List.of("config.json", "notes.txt"), listing(notes));
    }

    @Test
    void neverReplacesADirectoryWithSubdirectoriesOrOneHoldingAnInput(@TempDir Path tmp) throws IOException {
        MergedModelWriter.Options force = new MergedModelWriter.Options(MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true);
        Path nested = Files.createDirectories(tmp.resolve("home/projects"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> merge("tiny-llama", null, nested.getParent(), force));
        assertTrue(e.getMessage().contains("subdirectory projects"), e.getMessage());
        assertTrue(Files.isDirectory(nested));

        Path models = Files.createDirectories(tmp.resolve("models"));
        Path bin = Files.write(models.resolve("stories260K.bin"), Files.readAllBytes(STORIES));
        Files.write(models.resolve("tok512.bin"), Files.readAllBytes(STORIES.resolveSibling("tok512.bin")));
        e = assertThrows(IllegalArgumentException.class, () -> MergedModelWriter.merge(bin, null, List.of(), models, force,
                MergedModelWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("holds the input"), e.getMessage());
        assertEquals(List.of("stories260K.bin", "tok512.bin"), listing(models));
    }

    @Test
    void anAdapterForAnotherModelIsAClearErrorAndWritesNothing(@TempDir Path tmp) {
        Path out = tmp.resolve("merged");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> merge("tiny-qwen2", "tiny-llama-lora", out, MergedModelWriter.Options.DEFAULTS));
        assertTrue(e.getMessage().contains(PeftAdapter.WEIGHTS_FILE) && e.getMessage().contains("has shape [4, 64]")
                && e.getMessage().contains("takes 48 inputs") && e.getMessage().contains("another base model"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aTokenizerTooLargeForTheModelIsRefusedBeforeMerging(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("merged");
        Path tokenizer = Fixtures.path("tiny-llama").resolve("tokenizer.json"); // 1507 tokens for stories260K's 512
        CheckpointException e = assertThrows(CheckpointException.class, () -> MergedModelWriter.merge(STORIES, tokenizer, List.of(),
                out, MergedModelWriter.Options.DEFAULTS, MergedModelWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("1507 tokens") && e.getMessage().contains("vocab_size is 512"), e.getMessage());
        assertEquals(List.of(), listing(tmp));
    }

    // ---------------------------------------------------------------- helpers

    private static void assertFixtureEmbeddings(ModelWeights weights, String model, String settingName) {
        JsonNode modelNode = Fixtures.cases().get("models").get(model);
        JsonNode setting = null;
        for (JsonNode s : modelNode.get("settings")) if (s.get("name").asText().equals(settingName)) setting = s;
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path(modelNode.get("expected").asText()));
        Transformer t = new Transformer(weights, new VectorKernels(2));
        int bidirectionalFrom = setting.get("bidirectional_from").asInt();
        Pooling pooling = Pooling.parse(setting.get("pooling").asText());
        for (int i = 0; i < Fixtures.textCount(); i++) {
            Batch batch = Batch.of(Fixtures.ids(setting.get("input").asText(), i));
            float[] pooled = pooling.pool(t.hiddenStates(batch, bidirectionalFrom), batch, t.config().hiddenSize())[0];
            double err = Fixtures.relativeError(pooled, expected.doubles(settingName + "." + i));
            assertTrue(err < TOLERANCE, settingName + " input " + i + ": relative error " + err);
        }
    }

    /** Tensor name to the shard holding it, read from the checkpoint's index. */
    private static Map<String, SafetensorsFile> shardsByTensor(Path dir) throws IOException {
        Map<String, SafetensorsFile> shards = new HashMap<>();
        Map<String, SafetensorsFile> byTensor = new HashMap<>();
        JSON.readTree(dir.resolve(HfCheckpoint.INDEX_FILE).toFile()).get("weight_map").properties().forEach(e ->
                byTensor.put(e.getKey(), shards.computeIfAbsent(e.getValue().asText(), f -> SafetensorsFile.open(dir.resolve(f)))));
        return byTensor;
    }

    /** The spacing of bf16 values (8 significant bits) around {@code x}. */
    private static double bf16Step(double x) {
        return Math.ulp((float) x) * 65536.0;
    }

    /** {@code base} with a LoRA of random A and B (both non-zero, unlike a fresh one) on every projection. */
    private static ModelWeights withRandomLora(ModelWeights base, int rank, double alpha, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights layer : base.layers()) {
            layers.add(layer.mapProjections((name, linear) -> linear.withLora(new Lora(
                    Matrix.of(name + ".lora_A", DType.F32, rank, linear.in(), random(rng, rank * linear.in())),
                    Matrix.of(name + ".lora_B", DType.F32, linear.out(), rank, random(rng, linear.out() * rank)),
                    (float) (alpha / rank)))));
        }
        return base.withLayers(layers);
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextDouble(-0.1, 0.1));
        return v;
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
