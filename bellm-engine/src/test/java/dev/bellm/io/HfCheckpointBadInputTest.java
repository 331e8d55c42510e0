package dev.bellm.io;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.bellm.io.CheckpointFixtures.assertCheckpointError;
import static dev.bellm.io.CheckpointFixtures.copy;
import static dev.bellm.io.CheckpointFixtures.editHeader;
import static dev.bellm.io.CheckpointFixtures.editJson;
import static dev.bellm.io.CheckpointFixtures.putEntry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Each test corrupts a copy of a fixture and expects a CheckpointException naming the file and the field or tensor. */
@SharedData
class HfCheckpointBadInputTest {
    private static final String K_PROJ_0 = "model.layers.0.self_attn.k_proj.weight";

    @TempDir
    Path tmp;

    private Path llama() throws IOException {
        return copy("tiny-llama", tmp);
    }

    private Path weights(Path dir) {
        return dir.resolve("model.safetensors");
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> {
            c.put("model_type", "gpt2");
            c.putArray("architectures").add("GPT2LMHeadModel");
        });
        assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "model_type", "gpt2", "GPT2LMHeadModel",
                "llama, mistral, qwen2, qwen3");
    }

    @Test
    void missingModelTypeIsNamed() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.remove("model_type"));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "model_type", "is missing", "LlamaForCausalLM");
    }

    @Test
    void missingConfigJson() throws IOException {
        Path dir = llama();
        Files.delete(dir.resolve("config.json"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "missing");
    }

    @Test
    void missingDirectory() {
        assertCheckpointError(() -> HfCheckpoint.load(tmp.resolve("nowhere")), "nowhere", "no such directory");
    }

    @Test
    void configThatIsNotJson() throws IOException {
        Path dir = llama();
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\",");
        assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "not valid JSON");
    }

    @Test
    void configFieldOfTheWrongKind() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.put("hidden_size", "64"));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "'hidden_size'", "must be an integer");
    }

    @Test
    void inconsistentHeadCountsAreAConfigError() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.put("num_key_value_heads", 3));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "num_key_value_heads");
    }

    @Test
    void unsupportedRopeScaling() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "rope_scaling.rope_type", "yarn", "llama3");
    }

    @Test
    void incompleteLlama3RopeScalingNamesTheField() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "rope_scaling.low_freq_factor", "missing");
    }

    @Test
    void nonSiluActivation() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.put("hidden_act", "gelu"));
        assertCheckpointError(() -> HfCheckpoint.readConfig(dir), "config.json", "hidden_act", "gelu");
    }

    @Test
    void missingTensorIsNamedWithItsFile() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> h.remove("model.layers.2.mlp.up_proj.weight"), 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "missing tensor",
                "model.layers.2.mlp.up_proj.weight");
    }

    @Test
    void extraTensorIsNamedButRotaryBuffersAreTolerated() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> {
            putEntry(h, "model.layers.0.self_attn.rotary_emb.inv_freq", "F32", new long[] {8}, dataLen, dataLen + 32);
            putEntry(h, "model.layers.1.mlp.extra_proj.weight", "F32", new long[] {2, 2}, dataLen + 32, dataLen + 48);
        }, 48);
        CheckpointException e = assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "unexpected tensors",
                "model.layers.1.mlp.extra_proj.weight");
        assertFalse(e.getMessage().contains("inv_freq"), e.getMessage());
    }

    @Test
    void rotaryBufferAloneLoads() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) ->
                putEntry(h, "model.layers.3.self_attn.rotary_emb.inv_freq", "F32", new long[] {8}, dataLen, dataLen + 32), 32);
        assertEquals(4, HfCheckpoint.load(dir).layers().size());
    }

    @Test
    void biasesAConfigDoesNotExpectAreExtraTensors() throws IOException {
        Path dir = copy("tiny-qwen2", tmp);
        editJson(dir.resolve("config.json"), c -> c.put("model_type", "llama"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "unexpected tensors",
                "model.layers.0.self_attn.q_proj.bias", "attention_bias");
    }

    @Test
    void qwen2WithoutBiasesMissesThem() throws IOException {
        Path dir = llama();
        editJson(dir.resolve("config.json"), c -> c.put("model_type", "qwen2"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "model.layers.0.self_attn.q_proj.bias");
    }

    @Test
    void untiedConfigWithoutLmHead() throws IOException {
        Path dir = copy("tiny-qwen2", tmp);
        editJson(dir.resolve("config.json"), c -> c.put("tie_word_embeddings", false));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "missing tensor", "lm_head.weight");
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> {
            ObjectNode k = (ObjectNode) h.get(K_PROJ_0);
            k.putArray("shape").add(64).add(32); // same byte count, so only the shape check can catch it
        }, 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", K_PROJ_0, "[64, 32]", "[32, 64]");
    }

    @Test
    void wrongHeadDimIsAShapeError() throws IOException {
        Path dir = copy("tiny-qwen3", tmp);
        editJson(dir.resolve("config.json"), c -> c.put("head_dim", 16));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "model.layers.0.self_attn.q_proj.weight",
                "[96, 64]", "[64, 64]");
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = llama();
        byte[] bytes = Files.readAllBytes(weights(dir));
        Files.write(weights(dir), Arrays.copyOf(bytes, bytes.length / 2));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "truncated");
    }

    @Test
    void fileShorterThanItsHeaderLength() throws IOException {
        Path dir = llama();
        Files.write(weights(dir), Arrays.copyOf(Files.readAllBytes(weights(dir)), 100));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "header length");
    }

    @Test
    void headerOffsetsOutOfBounds() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> putEntry(h, "model.norm.weight", "F32", new long[] {64}, dataLen, dataLen + 256), 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "model.norm.weight", "out of bounds");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> {
            long qBegin = h.get("model.layers.0.self_attn.q_proj.weight").get("data_offsets").get(0).asLong();
            putEntry(h, K_PROJ_0, "F32", new long[] {32, 64}, qBegin, qBegin + 32 * 64 * 4);
        }, 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", K_PROJ_0,
                "model.layers.0.self_attn.q_proj.weight", "overlap");
    }

    @Test
    void sizeThatDisagreesWithTheShape() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> putEntry(h, "model.norm.weight", "F32", new long[] {64}, dataLen, dataLen + 200),
                200);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "model.norm.weight", "200 bytes", "expected 256");
    }

    @Test
    void shapeWhoseSizeOverflowsIsRejected() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) ->
                putEntry(h, "model.norm.weight", "F32", new long[] {1L << 40, 1L << 40}, dataLen, dataLen), 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "model.norm.weight", "shape");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path dir = llama();
        String v = "model.layers.0.self_attn.v_proj.weight";
        editHeader(weights(dir), (h, dataLen) -> putEntry(h, v, "I64", new long[] {32, 64}, dataLen, dataLen + 32 * 64 * 8),
                32 * 64 * 8);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", v, "I64", "F32, F16 and BF16");
    }

    @Test
    void unsupportedDtypeOfANorm() throws IOException {
        Path dir = llama();
        String norm = "model.layers.1.input_layernorm.weight";
        editHeader(weights(dir), (h, dataLen) -> putEntry(h, norm, "I64", new long[] {64}, dataLen, dataLen + 64 * 8), 64 * 8);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", norm, "I64");
    }

    @Test
    void invalidHeaderJson() throws IOException {
        Path dir = llama();
        byte[] bytes = Files.readAllBytes(weights(dir));
        int headerLen = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] broken = "{\"model.norm.weight\": {\"dtype\": ".getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(bytes, 8, 8 + headerLen, (byte) ' ');
        System.arraycopy(broken, 0, bytes, 8, broken.length);
        Files.write(weights(dir), bytes);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", "not valid JSON");
    }

    @Test
    void headerEntryWithoutOffsets() throws IOException {
        Path dir = llama();
        editHeader(weights(dir), (h, dataLen) -> ((ObjectNode) h.get(K_PROJ_0)).remove("data_offsets"), 0);
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors", K_PROJ_0, "data_offsets");
    }

    @Test
    void onlyAPickledPytorchFile() throws IOException {
        Path dir = llama();
        Files.delete(weights(dir));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4, 0, 0});
        assertCheckpointError(() -> HfCheckpoint.load(dir), "pytorch_model.bin", "never loads pickled PyTorch", "safetensors");
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = llama();
        Files.delete(weights(dir));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "tiny-llama", "model.safetensors", "model.safetensors.index.json");
    }

    @Test
    void missingShard() throws IOException {
        Path dir = copy("tiny-llama-bf16-sharded", tmp);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors.index.json", "weight_map",
                "model-00002-of-00003.safetensors", "does not exist");
    }

    @Test
    void indexThatPlacesATensorInTheWrongShard() throws IOException {
        Path dir = copy("tiny-llama-bf16-sharded", tmp);
        editJson(dir.resolve("model.safetensors.index.json"),
                idx -> ((ObjectNode) idx.get("weight_map")).put("model.norm.weight", "model-00001-of-00003.safetensors"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model-00001-of-00003.safetensors", "model.norm.weight");
    }

    @Test
    void shardTensorMissingFromTheIndex() throws IOException {
        Path dir = copy("tiny-llama-bf16-sharded", tmp);
        editJson(dir.resolve("model.safetensors.index.json"), idx -> ((ObjectNode) idx.get("weight_map")).remove("model.norm.weight"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model-00003-of-00003.safetensors", "model.norm.weight",
                "not listed");
    }

    @Test
    void indexThatPointsOutsideTheDirectory() throws IOException {
        Path dir = copy("tiny-llama-bf16-sharded", tmp);
        copy("tiny-llama", tmp);
        editJson(dir.resolve("model.safetensors.index.json"),
                idx -> ((ObjectNode) idx.get("weight_map")).put("model.norm.weight", "../tiny-llama/model.safetensors"));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "model.safetensors.index.json", "weight_map", "model.norm.weight");
    }
}
