package dev.bellm.io;

import dev.bellm.SharedData;

import dev.bellm.tokenizer.Llama2cTokenizer;
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
import static dev.bellm.io.CheckpointFixtures.editJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The crash reproductions of issue 11, rebuilt from their descriptions: each malformed input is a
 * {@link CheckpointException} naming the file and the field, never tensors read a byte off, NaN output or an
 * allocation sized by a corrupt number.
 */
@SharedData
class StrictLoadingTest {
    /** A header whose JSON is 61 bytes, so the format pads it with 3 spaces to 64. */
    private static final String HEADER_JSON = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}    ";

    @TempDir
    Path tmp;

    /** A safetensors file: the length field says {@code statedLength}, then {@code header}, then {@code dataBytes} bytes. */
    private Path safetensors(long statedLength, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(statedLength).put(json);
        Path file = tmp.resolve("t.safetensors");
        Files.write(file, b.array());
        return file;
    }

    @Test
    void aWellFormedPaddedHeaderLoads() throws IOException {
        SafetensorsFile f = SafetensorsFile.open(safetensors(HEADER_JSON.length(), HEADER_JSON, 16));
        assertEquals(4, f.floats("w").length);
    }

    @Test
    void headerLengthOneByteShortIsAnError() throws IOException {
        // the padding would absorb the missing byte and every tensor would be read one byte off
        Path file = safetensors(HEADER_JSON.length() - 1, HEADER_JSON, 16);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "header length is wrong");
    }

    @Test
    void headerLengthOneByteLongIsAnError() throws IOException {
        Path file = safetensors(HEADER_JSON.length() + 1, HEADER_JSON, 16);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString());
    }

    @Test
    void trailingJunkAfterTheHeaderJsonIsAnError() throws IOException {
        String junk = HEADER_JSON.substring(0, HEADER_JSON.length() - 3) + "xyz";
        Path file = safetensors(junk.length(), junk, 16);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "trailing junk");
    }

    @Test
    void aSecondJsonValueAfterTheHeaderIsAnError() throws IOException {
        String two = HEADER_JSON.substring(0, HEADER_JSON.length() - 3) + "{} ";
        Path file = safetensors(two.length(), two, 16);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "trailing junk");
    }

    @Test
    void paddingOtherThanSpacesIsAnError() throws IOException {
        String tabs = HEADER_JSON.substring(0, HEADER_JSON.length() - 3) + "\n\t\n";
        Path file = safetensors(tabs.length(), tabs, 16);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "only space padding");
    }

    @Test
    void bytesAfterTheLastTensorAreAnError() throws IOException {
        Path file = safetensors(HEADER_JSON.length(), HEADER_JSON, 17);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "17 data bytes");
    }

    @Test
    void aDuplicatedTensorNameIsAnError() throws IOException {
        String twice = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        Path file = safetensors(twice.length(), twice, 4);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "Duplicate field 'w'");
    }

    @Test
    void fractionalOffsetsAreAnError() throws IOException {
        String fractional = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.5,4]}}";
        Path file = safetensors(fractional.length(), fractional, 4);
        assertCheckpointError(() -> SafetensorsFile.open(file), file.toString(), "data_offsets");
    }

    @Test
    void attentionHeadsTimesHeadDimBeyondAnIntIsAnError() throws IOException {
        Path dir = copy("tiny-llama", tmp);
        // 65536 × 65536 wraps to 0 in int arithmetic
        editJson(dir.resolve("config.json"), c -> c.put("num_attention_heads", 65536).put("head_dim", 65536));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "num_attention_heads");
        // each within its own bound, the product above the hidden bound
        editJson(dir.resolve("config.json"), c -> c.put("num_attention_heads", 1024).put("num_key_value_heads", 1024).put("head_dim", 1024));
        assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "num_attention_heads × head_dim");
    }

    @Test
    void absurdLayerCountsFailBeforeAllocating() throws IOException {
        Path dir = copy("tiny-llama", tmp);
        for (int layers : new int[] {1_000_000_000, Integer.MAX_VALUE}) {
            editJson(dir.resolve("config.json"), c -> c.put("num_hidden_layers", layers));
            assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", "num_hidden_layers", String.valueOf(layers));
        }
    }

    @Test
    void absurdSizesAreErrorsNamingTheField() throws IOException {
        Path dir = copy("tiny-llama", tmp);
        for (String field : new String[] {"vocab_size", "hidden_size", "intermediate_size", "max_position_embeddings"}) {
            Path config = dir.resolve("config.json");
            byte[] original = Files.readAllBytes(config);
            editJson(config, c -> c.put(field, Integer.MAX_VALUE));
            assertCheckpointError(() -> HfCheckpoint.load(dir), "config.json", field);
            Files.write(config, original);
        }
    }

    @Test
    void llama2cHeaderWithABillionLayersIsAnError() throws IOException {
        byte[] bin = Files.readAllBytes(CheckpointFixtures.stories260K());
        ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN).putInt(2 * Integer.BYTES, 1_000_000_000);
        Path file = tmp.resolve("huge.bin");
        Files.write(file, bin);
        assertCheckpointError(() -> Llama2cCheckpoint.load(file), file.toString(), "num_hidden_layers");
    }

    @Test
    void loraAlphaThatOverflowsOrVanishesIsAnError() throws IOException {
        Path dir = copy("tiny-llama-lora", tmp);
        for (double alpha : new double[] {1e38, 1e-320}) {
            editJson(dir.resolve(PeftAdapter.CONFIG_FILE), c -> c.put("lora_alpha", alpha));
            assertCheckpointError(() -> PeftAdapter.load(dir), PeftAdapter.CONFIG_FILE, "lora_alpha", "scale");
        }
    }

    @Test
    void aTargetModulesRegexThatBacktracksForeverIsAnError() throws IOException {
        Path dir = copy("tiny-llama-lora", tmp);
        editJson(dir.resolve(PeftAdapter.CONFIG_FILE), c -> c.put("target_modules", "(.*.*.*.*.*.*)*x"));
        assertCheckpointError(() -> PeftAdapter.load(dir), PeftAdapter.CONFIG_FILE, "target_modules", "backtracks too much");
    }

    @Test
    void zeroSizeTensorsReadAsEmpty() throws IOException {
        String header = "{\"z\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[0,0]}}";
        assertEquals(0, SafetensorsFile.open(safetensors(header.length(), header, 0)).floats("z").length);
    }

    @Test
    void absurdLoraRankIsAnError() throws IOException {
        Path dir = copy("tiny-llama-lora", tmp);
        editJson(dir.resolve(PeftAdapter.CONFIG_FILE), c -> c.put("r", Integer.MAX_VALUE));
        assertCheckpointError(() -> PeftAdapter.load(dir), PeftAdapter.CONFIG_FILE, "'r'");
    }

    @Test
    void aTruncatedLlama2cTokenizerIsAnError() throws IOException {
        Path stories = CheckpointFixtures.stories260K();
        byte[] tok = Files.readAllBytes(stories.resolveSibling("tok512.bin"));
        // keep max_token_length and the first 400 of the 512 records (score, length, bytes)
        ByteBuffer b = ByteBuffer.wrap(tok).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        for (int i = 0; i < 400; i++) {
            b.getFloat();
            int length = b.getInt();
            b.position(b.position() + length);
        }
        Path truncated = tmp.resolve("tok512.bin");
        Files.write(truncated, Arrays.copyOf(tok, b.position()));
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(truncated);
        assertEquals(400, tokenizer.vocabSize());
        assertCheckpointError(() -> tokenizer.checkFits(512, stories), truncated.toString(), "400 tokens", "vocab_size 512");
    }
}
