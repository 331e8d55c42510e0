package dev.bellm.io;

import dev.bellm.SharedData;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.RopeScaling;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.bellm.io.CheckpointFixtures.copy;
import static dev.bellm.io.CheckpointFixtures.editJson;
import static dev.bellm.io.CheckpointFixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture checkpoints load with the numbers of their config.json and README; spot values were read from
 * the files with Python's struct module, independently of this loader.
 */
@SharedData
class HfCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void tinyLlamaConfigHasTheConfigJsonNumbers() {
        ModelConfig c = HfCheckpoint.readConfig(fixture("tiny-llama"));
        assertEquals(new ModelConfig("llama", 64, 160, 4, 4, 2, 16, 1507, 2048, 10000.0, null, false, 1e-5, false, false, false,
                1, 2), c);
    }

    @Test
    void tinyLlamaWeightsHaveTheConfigShapesAndTheStoredValues() {
        ModelWeights w = HfCheckpoint.load(fixture("tiny-llama"));
        assertEquals(DType.F32, w.dtype());
        assertShape(w.embedTokens(), 1507, 64);
        assertShape(w.lmHead(), 1507, 64);
        assertNotSame(w.embedTokens(), w.lmHead(), "tiny-llama has an untied lm_head");
        assertEquals(4, w.layers().size());
        for (LayerWeights l : w.layers()) {
            assertShape(l.qProj().weight(), 64, 64);
            assertShape(l.kProj().weight(), 32, 64);
            assertShape(l.vProj().weight(), 32, 64);
            assertShape(l.oProj().weight(), 64, 64);
            assertShape(l.gateProj().weight(), 160, 64);
            assertShape(l.upProj().weight(), 160, 64);
            assertShape(l.downProj().weight(), 64, 160);
            for (String p : LayerWeights.PROJECTIONS) {
                assertNull(l.projection(p).bias());
                assertNull(l.projection(p).lora());
                assertEquals(DType.F32, l.projection(p).weight().dtype);
            }
            assertNull(l.qNorm());
            assertEquals(64, l.inputLayernorm().length);
            assertEquals(64, l.postAttentionLayernorm().length);
        }
        assertEquals(-0.179979935f, w.embedTokens().get(5, 7));
        assertEquals(0.031570863f, w.lmHead().get(1506, 63));
        assertEquals(0.0356194675f, w.layers().get(2).downProj().weight().get(10, 100));
        assertEquals(-0.086795859f, w.layers().get(1).kProj().weight().get(31, 0));
        assertEquals(0.941046834f, w.norm()[3]);
        assertEquals("model.layers.2.mlp.down_proj.weight", w.layers().get(2).downProj().weight().name);
        // every float of the 1,462,016-byte data section is one parameter
        assertEquals(1_462_016 / 4, w.parameterCount());
    }

    @Test
    void tinyQwen2HasQkvBiasesAndTiedEmbeddings() {
        ModelWeights w = HfCheckpoint.load(fixture("tiny-qwen2"));
        assertEquals(new ModelConfig("qwen2", 48, 128, 3, 6, 2, 8, 1507, 2048, 1e6, null, false, 1e-6, true, false, true, 1, 2),
                w.config());
        assertSame(w.embedTokens(), w.lmHead());
        for (LayerWeights l : w.layers()) {
            assertEquals(48, l.qProj().bias().length);
            assertEquals(16, l.kProj().bias().length);
            assertEquals(16, l.vProj().bias().length);
            assertNull(l.oProj().bias(), "Qwen2's o_proj has no bias");
            assertNull(l.gateProj().bias());
        }
        assertEquals(-0.449222922f, w.layers().get(0).qProj().bias()[0]);
        assertEquals(-0.399523348f, w.layers().get(2).kProj().bias()[15]);
        assertEquals(0.0969524607f, w.layers().get(1).vProj().bias()[7]);
    }

    @Test
    void tinyQwen3HasItsExplicitHeadDimAndQkNorms() {
        ModelWeights w = HfCheckpoint.load(fixture("tiny-qwen3"));
        ModelConfig c = w.config();
        assertEquals(new ModelConfig("qwen3", 64, 96, 3, 4, 2, 24, 1507, 2048, 1e6, null, false, 1e-6, false, true, true, 1, 2), c);
        assertSame(w.embedTokens(), w.lmHead());
        for (LayerWeights l : w.layers()) {
            assertShape(l.qProj().weight(), 96, 64);
            assertShape(l.kProj().weight(), 48, 64);
            assertShape(l.oProj().weight(), 64, 96);
            assertEquals(24, l.qNorm().length);
            assertEquals(24, l.kNorm().length);
            assertNull(l.qProj().bias());
        }
        assertEquals(0.954579949f, w.layers().get(1).qNorm()[23]);
        assertEquals(1.0352515f, w.layers().get(2).kNorm()[0]);
        assertEquals(0.139273256f, w.layers().get(0).oProj().weight().get(63, 95));
    }

    @Test
    void bf16ShardsStayBf16AndHoldTinyLlamaRoundedToBf16() {
        ModelWeights f32 = HfCheckpoint.load(fixture("tiny-llama"));
        ModelWeights bf16 = HfCheckpoint.load(fixture("tiny-llama-bf16-sharded"));
        assertEquals(f32.config(), bf16.config());
        assertEquals(DType.BF16, bf16.dtype());
        assertRoundedToBf16(f32.embedTokens(), bf16.embedTokens());
        assertRoundedToBf16(f32.lmHead(), bf16.lmHead());
        assertRoundedToBf16(f32.norm(), bf16.norm());
        for (int l = 0; l < 4; l++) {
            LayerWeights a = f32.layers().get(l);
            LayerWeights b = bf16.layers().get(l);
            for (String p : LayerWeights.PROJECTIONS) {
                assertEquals(DType.BF16, b.projection(p).weight().dtype, p + " of layer " + l);
                assertRoundedToBf16(a.projection(p).weight(), b.projection(p).weight());
            }
            assertRoundedToBf16(a.inputLayernorm(), b.inputLayernorm());
            assertRoundedToBf16(a.postAttentionLayernorm(), b.postAttentionLayernorm());
        }
        assertEquals(f32.parameterCount(), bf16.parameterCount());
    }

    @Test
    void absentFieldsTakeTransformersDefaults() throws IOException {
        Path dir = configOnly("tiny-llama");
        editJson(dir.resolve("config.json"), c -> {
            for (String f : new String[] {"num_key_value_heads", "rope_theta", "rms_norm_eps", "tie_word_embeddings",
                    "max_position_embeddings", "bos_token_id", "eos_token_id", "hidden_act"}) {
                c.remove(f);
            }
        });
        assertEquals(new ModelConfig("llama", 64, 160, 4, 4, 4, 16, 1507, 2048, 10000.0, null, false, 1e-6, false, false, false,
                -1, -1), HfCheckpoint.readConfig(dir));
    }

    @Test
    void llama3RopeScalingAndAListOfEosIdsAreRead() throws IOException {
        Path dir = configOnly("tiny-llama");
        editJson(dir.resolve("config.json"), c -> {
            c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                    .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
            c.putArray("eos_token_id").add(128001).add(128009);
            c.put("rope_theta", 500000.0);
        });
        ModelConfig c = HfCheckpoint.readConfig(dir);
        assertEquals(new RopeScaling(8.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(128001, c.eosTokenId());
        assertEquals(500000.0, c.ropeTheta());
    }

    @Test
    void transformers5RopeParametersGiveTheta() throws IOException {
        Path dir = configOnly("tiny-qwen3");
        editJson(dir.resolve("config.json"), c -> {
            c.remove("rope_theta");
            c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 5e6);
        });
        ModelConfig c = HfCheckpoint.readConfig(dir);
        assertEquals(5e6, c.ropeTheta());
        assertNull(c.ropeScaling());
    }

    @Test
    void mistralIsReadLikeLlamaWithoutBiases() throws IOException {
        Path dir = copy("tiny-llama", tmp);
        editJson(dir.resolve("config.json"), c -> c.put("model_type", "mistral").put("attention_bias", true));
        ModelWeights w = HfCheckpoint.load(dir);
        assertEquals("mistral", w.config().architecture());
        assertFalse(w.config().attentionBias(), "transformers' Mistral has no attention biases whatever the config says");
    }

    @Test
    void aTiedCopyOfTheEmbeddingsIsAcceptedAndIgnored() throws IOException {
        Path dir = copy("tiny-llama", tmp);
        editJson(dir.resolve("config.json"), c -> c.put("tie_word_embeddings", true));
        ModelWeights w = HfCheckpoint.load(dir);
        assertSame(w.embedTokens(), w.lmHead());
        assertTrue(w.config().tieWordEmbeddings());
    }

    private Path configOnly(String fixture) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(fixture));
        Files.write(dir.resolve("config.json"), Files.readAllBytes(fixture(fixture).resolve("config.json")));
        return dir;
    }

    private static void assertShape(Matrix m, int rows, int cols) {
        assertEquals(rows, m.rows, m.name);
        assertEquals(cols, m.cols, m.name);
    }

    private static void assertRoundedToBf16(Matrix f32, Matrix bf16) {
        assertEquals(DType.BF16, bf16.dtype, bf16.name);
        assertArrayEquals(roundedToBf16(f32.toFloats()), bf16.toFloats(), f32.name);
    }

    private static void assertRoundedToBf16(float[] f32, float[] bf16) {
        assertArrayEquals(roundedToBf16(f32), bf16);
    }

    private static float[] roundedToBf16(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = DType.bf16ToFloat(DType.floatToBf16(values[i]));
        return out;
    }
}
