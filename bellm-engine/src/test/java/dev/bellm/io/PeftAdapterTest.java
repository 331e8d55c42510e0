package dev.bellm.io;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static dev.bellm.io.CheckpointFixtures.assertCheckpointError;
import static dev.bellm.io.CheckpointFixtures.copy;
import static dev.bellm.io.CheckpointFixtures.editHeader;
import static dev.bellm.io.CheckpointFixtures.editJson;
import static dev.bellm.io.CheckpointFixtures.fixture;
import static dev.bellm.io.CheckpointFixtures.putEntry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class PeftAdapterTest {
    private static final String LORA = "tiny-llama-lora";
    private static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
    private static final String ADAPTER_CONFIG = "adapter_config.json";

    @TempDir
    Path tmp;

    private static ModelWeights tinyLlama() {
        return HfCheckpoint.load(fixture("tiny-llama"));
    }

    @Test
    void fixtureAdapterFitsAllSevenProjectionsOfAllFourLayers() {
        PeftAdapter adapter = PeftAdapter.load(fixture(LORA));
        assertEquals(4, adapter.rank());
        assertEquals(28, adapter.loras().size());
        ModelWeights base = tinyLlama();
        ModelWeights adapted = adapter.apply(base);
        for (int l = 0; l < 4; l++) {
            for (String p : LayerWeights.PROJECTIONS) {
                Linear before = base.layers().get(l).projection(p);
                Linear after = adapted.layers().get(l).projection(p);
                assertSame(before.weight(), after.weight(), "the frozen weight is shared, not copied");
                Lora lora = after.lora();
                assertNotNull(lora, p + " of layer " + l);
                assertEquals(2.0f, lora.scale(), "lora_alpha 8 / r 4");
                assertEquals(DType.F32, lora.a().dtype);
                assertEquals(4, lora.a().rows);
                assertEquals(before.in(), lora.a().cols);
                assertEquals(before.out(), lora.b().rows);
                assertEquals(4, lora.b().cols);
                assertNull(before.lora(), "the base model is unchanged");
            }
        }
        // values read with Python's struct from adapter_model.safetensors
        Lora down3 = adapted.layers().get(3).downProj().lora();
        assertEquals(0.173789605f, down3.a().get(2, 159));
        assertEquals(0.102410361f, down3.b().get(63, 3));
        assertEquals(0.20954591f, adapted.layers().get(0).qProj().lora().b().get(0, 0));
        assertEquals("base_model.model.model.layers.3.mlp.down_proj.lora_A.weight", down3.a().name);
    }

    @Test
    void rsLoraScalesByAlphaOverSqrtR() throws IOException {
        Path dir = copy(LORA, tmp);
        editJson(dir.resolve(ADAPTER_CONFIG), c -> c.put("use_rslora", true));
        PeftAdapter adapter = PeftAdapter.load(dir);
        assertEquals(4.0f, adapter.apply(tinyLlama()).layers().get(1).vProj().lora().scale(), "8 / sqrt(4)");
    }

    @Test
    void adapterNameInfixIsTolerated() throws IOException {
        Path dir = copy(LORA, tmp);
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) -> {
            ObjectNode renamed = h.objectNode();
            h.properties().forEach(e -> renamed.set(e.getKey().replace(".weight", ".default.weight"), e.getValue()));
            h.removeAll();
            h.setAll(renamed);
        }, 0);
        assertSameLoras(PeftAdapter.load(fixture(LORA)), PeftAdapter.load(dir));
    }

    @Test
    void regexTargetModulesSelectModulesByFullName() throws IOException {
        Path dir = copy(LORA, tmp);
        editJson(dir.resolve(ADAPTER_CONFIG),
                c -> c.put("target_modules", "model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)"));
        assertSameLoras(PeftAdapter.load(fixture(LORA)), PeftAdapter.load(dir));
    }

    @Test
    void keysOutsideTheTargetModulesAreAnError() throws IOException {
        Path dir = copy(LORA, tmp);
        editJson(dir.resolve(ADAPTER_CONFIG), c -> c.put("target_modules", ".*\\.(q_proj|v_proj)"));
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_WEIGHTS, "_proj.lora_", "target_modules", ADAPTER_CONFIG);
    }

    @Test
    void targetedModuleWithoutWeightsIsAnError() throws IOException {
        Path dir = copy(LORA, tmp);
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) -> {
            h.remove("base_model.model.model.layers.2.mlp.up_proj.lora_A.weight");
            h.remove("base_model.model.model.layers.2.mlp.up_proj.lora_B.weight");
        }, 0);
        PeftAdapter adapter = PeftAdapter.load(dir);
        assertCheckpointError(() -> adapter.apply(tinyLlama()), ADAPTER_WEIGHTS,
                "base_model.model.model.layers.2.mlp.up_proj.lora_A.weight", "targets");
    }

    @Test
    void aWithoutItsB() throws IOException {
        Path dir = copy(LORA, tmp);
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) -> h.remove("base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight"), 0);
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_WEIGHTS, "missing tensor",
                "base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight");
    }

    @Test
    void unexpectedKey() throws IOException {
        Path dir = copy(LORA, tmp);
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) ->
                putEntry(h, "base_model.model.lm_head.lora_A.weight", "F32", new long[] {4, 64}, dataLen, dataLen + 1024), 1024);
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_WEIGHTS, "unexpected key", "base_model.model.lm_head.lora_A.weight");
    }

    @Test
    void layerIndexTooLargeForAnIntIsAnUnexpectedKey() throws IOException {
        Path dir = copy(LORA, tmp);
        String key = "base_model.model.model.layers.99999999999.self_attn.q_proj.lora_A.weight";
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) -> putEntry(h, key, "F32", new long[] {4, 64}, dataLen, dataLen + 1024),
                1024);
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_WEIGHTS, "unexpected key", key);
    }

    @Test
    void adapterForMoreLayersThanTheBaseHas() {
        ModelWeights base = tinyLlama();
        ModelConfig c = base.config();
        ModelConfig threeLayers = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), 3, c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.ropeTheta(), c.ropeScaling(),
                c.ropeInterleaved(), c.rmsNormEps(), c.attentionBias(), c.qkNorm(), c.tieWordEmbeddings(), c.bosTokenId(),
                c.eosTokenId());
        ModelWeights truncated = new ModelWeights(threeLayers, base.embedTokens(), base.layers().subList(0, 3), base.norm(),
                base.lmHead());
        assertCheckpointError(() -> PeftAdapter.load(fixture(LORA)).apply(truncated), ADAPTER_WEIGHTS,
                "model.layers.3.self_attn.q_proj", "3 layers");
    }

    @Test
    void adapterShapeMismatchWithTheBase() throws IOException {
        Path dir = copy(LORA, tmp);
        String b = "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight";
        editHeader(dir.resolve(ADAPTER_WEIGHTS), (h, dataLen) -> putEntry(h, b, "F32", new long[] {64, 4}, dataLen, dataLen + 1024), 1024);
        PeftAdapter adapter = PeftAdapter.load(dir);
        assertCheckpointError(() -> adapter.apply(tinyLlama()), ADAPTER_WEIGHTS, b, "[64, 4]", "32 outputs");
    }

    @Test
    void adapterForAnotherBaseModel() {
        PeftAdapter adapter = PeftAdapter.load(fixture(LORA));
        ModelWeights qwen2 = HfCheckpoint.load(fixture("tiny-qwen2")); // hidden 48, not 64
        assertCheckpointError(() -> adapter.apply(qwen2), ADAPTER_WEIGHTS,
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "[4, 64]", "48 inputs");
    }

    @Test
    void rankThatDisagreesWithR() throws IOException {
        Path dir = copy(LORA, tmp);
        editJson(dir.resolve(ADAPTER_CONFIG), c -> c.put("r", 8));
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_WEIGHTS, ".lora_", "r = 8");
    }

    @Test
    void unsupportedConfigFields() throws IOException {
        Path dir = copy(LORA, tmp);
        Path config = dir.resolve(ADAPTER_CONFIG);
        byte[] original = Files.readAllBytes(config);
        record Case(String field, Object value) {}
        for (Case c : List.of(new Case("fan_in_fan_out", true), new Case("peft_type", "IA3"), new Case("bias", "all"),
                new Case("use_dora", true), new Case("target_modules", 7), new Case("target_modules", "(unclosed"),
                new Case("lora_alpha", "8"), new Case("r", 0), new Case("modules_to_save", "lm_head"))) {
            Files.write(config, original);
            editJson(config, n -> n.putPOJO(c.field(), c.value()));
            assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_CONFIG, "'" + c.field() + "'");
        }
        Files.write(config, original);
        editJson(config, n -> n.putObject("rank_pattern").put("q_proj", 8));
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_CONFIG, "'rank_pattern'");
    }

    @Test
    void missingConfigAndPickledWeights() throws IOException {
        Path dir = copy(LORA, tmp);
        Files.delete(dir.resolve(ADAPTER_WEIGHTS));
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {'P', 'K', 3, 4});
        assertCheckpointError(() -> PeftAdapter.load(dir), "adapter_model.bin", "pickled");
        Files.delete(dir.resolve(ADAPTER_CONFIG));
        assertCheckpointError(() -> PeftAdapter.load(dir), ADAPTER_CONFIG, "no such file");
    }

    @Test
    void saveThenLoadGivesTheSameAdapter() throws IOException {
        PeftAdapter original = PeftAdapter.load(fixture(LORA));
        Path out = tmp.resolve("saved");
        PeftAdapter.save(out, original.apply(tinyLlama()), "tiny-llama", 8, false);

        try (Stream<Path> files = Files.list(out)) {
            assertEquals(Set.of(ADAPTER_CONFIG, ADAPTER_WEIGHTS), Set.copyOf(files.map(f -> f.getFileName().toString()).toList()),
                    "no temporary files are left behind");
        }
        assertEquals(SafetensorsFile.open(fixture(LORA).resolve(ADAPTER_WEIGHTS)).names(),
                SafetensorsFile.open(out.resolve(ADAPTER_WEIGHTS)).names(), "PEFT's key names");
        JsonNode config = new ObjectMapper().readTree(out.resolve(ADAPTER_CONFIG).toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals(8.0, config.get("lora_alpha").asDouble());
        assertEquals("tiny-llama", config.get("base_model_name_or_path").asText());

        PeftAdapter reloaded = PeftAdapter.load(out);
        assertEquals(original.alpha(), reloaded.alpha());
        assertEquals(original.rsLora(), reloaded.rsLora());
        assertSameLoras(original, reloaded);
        assertEquals(28, countLoras(reloaded.apply(tinyLlama())));
    }

    @Test
    void savingSomeLayersWritesLayersToTransform() throws IOException {
        ModelWeights base = tinyLlama();
        List<LayerWeights> layers = new ArrayList<>(base.layers());
        for (int l : new int[] {1, 3}) {
            int layer = l;
            layers.set(l, layers.get(l).mapProjections((p, lin) -> p.equals("q_proj") || p.equals("v_proj")
                    ? lin.withLora(ramp(layer, p, lin, 2, 16f / (float) Math.sqrt(2))) : lin));
        }
        Path out = tmp.resolve("partial");
        PeftAdapter.save(out, base.withLayers(layers), "tiny-llama", 16, true);

        JsonNode config = new ObjectMapper().readTree(out.resolve(ADAPTER_CONFIG).toFile());
        assertEquals("[1,3]", config.get("layers_to_transform").toString());
        assertEquals("[\"q_proj\",\"v_proj\"]", config.get("target_modules").toString());
        ModelWeights adapted = PeftAdapter.load(out).apply(base);
        assertEquals(4, countLoras(adapted));
        assertNull(adapted.layers().get(0).qProj().lora());
        assertNull(adapted.layers().get(3).kProj().lora());
        Lora v3 = adapted.layers().get(3).vProj().lora();
        assertEquals(16f / (float) Math.sqrt(2), v3.scale());
        assertArrayEquals(layers.get(3).vProj().lora().a().toFloats(), v3.a().toFloats());
        assertArrayEquals(layers.get(3).vProj().lora().b().toFloats(), v3.b().toFloats());
    }

    @Test
    void saveRefusesWhatPeftCannotDescribe() {
        ModelWeights base = tinyLlama();
        assertThrows(IllegalArgumentException.class, () -> PeftAdapter.save(tmp.resolve("none"), base, "tiny-llama", 8, false));
        ModelWeights adapted = PeftAdapter.load(fixture(LORA)).apply(base);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeftAdapter.save(tmp.resolve("scale"), adapted, "tiny-llama", 16, false));
        assertTrue(e.getMessage().contains("scale"), e.getMessage());
    }

    /** A LoRA whose entries are distinct, so a transposed or misplaced matrix would not compare equal. */
    private static Lora ramp(int layer, String projection, Linear lin, int rank, float scale) {
        float[] a = new float[rank * lin.in()];
        float[] b = new float[lin.out() * rank];
        for (int i = 0; i < a.length; i++) a[i] = layer + i / 1000f;
        for (int i = 0; i < b.length; i++) b[i] = -layer - i / 1000f;
        return new Lora(Matrix.of(projection + ".A", DType.F32, rank, lin.in(), a), Matrix.of(projection + ".B", DType.F32,
                lin.out(), rank, b), scale);
    }

    private static int countLoras(ModelWeights w) {
        int n = 0;
        for (LayerWeights l : w.layers()) {
            for (String p : LayerWeights.PROJECTIONS) if (l.projection(p).lora() != null) n++;
        }
        return n;
    }

    private static void assertSameLoras(PeftAdapter expected, PeftAdapter actual) {
        assertEquals(expected.rank(), actual.rank());
        assertEquals(expected.loras().keySet(), actual.loras().keySet());
        for (Map.Entry<String, Lora> e : expected.loras().entrySet()) {
            Lora x = e.getValue();
            Lora y = actual.loras().get(e.getKey());
            assertEquals(x.scale(), y.scale(), e.getKey());
            assertEquals(x.a().toString(), y.a().toString());
            assertEquals(x.b().toString(), y.b().toString());
            assertArrayEquals(x.a().toFloats(), y.a().toFloats(), e.getKey());
            assertArrayEquals(x.b().toFloats(), y.b().toFloats(), e.getKey());
        }
    }
}
