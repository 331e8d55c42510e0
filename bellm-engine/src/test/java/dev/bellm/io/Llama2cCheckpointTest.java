package dev.bellm.io;

import dev.bellm.SharedData;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.bellm.io.CheckpointFixtures.assertCheckpointError;
import static dev.bellm.io.CheckpointFixtures.stories260K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

@SharedData
class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void stories260KHeaderGivesTheConfigOfItsModelCard() {
        ModelWeights w = Llama2cCheckpoint.load(stories260K());
        // stories260K.md: dim 64, 5 layers, 8 heads, 4 KV heads, vocab 512, max_seq_len 512; hidden_dim 172 from multiple_of 4
        assertEquals(new ModelConfig("llama2c", 64, 172, 5, 8, 4, 8, 512, 512, 10000.0, null, true, 1e-5, false, false, true, 1, 2),
                w.config());
        assertSame(w.embedTokens(), w.lmHead(), "a positive vocab_size means a tied classifier");
        assertEquals(DType.F32, w.dtype());
        for (LayerWeights l : w.layers()) {
            assertEquals(32, l.kProj().out());
            assertEquals(172, l.gateProj().out());
            assertEquals(172, l.downProj().in());
            assertNull(l.qNorm());
            for (String p : LayerWeights.PROJECTIONS) assertNull(l.projection(p).bias());
        }
        // the file's 1,056,540 bytes = 28 header + 4 * (260,032 parameters + 2 * 512 * 4 RoPE table entries)
        assertEquals(260_032, w.parameterCount());
    }

    @Test
    void stories260KWeightsComeFromTheirOffsets() {
        // values read with Python's struct at offsets computed from the llama2.c layout
        ModelWeights w = Llama2cCheckpoint.load(stories260K());
        assertEquals(0.231342643f, w.embedTokens().get(3, 5));
        assertEquals(1.06495595f, w.layers().get(4).inputLayernorm()[63]);
        assertEquals(-0.0329608284f, w.layers().get(1).qProj().weight().get(2, 3));
        assertEquals(-0.265130162f, w.layers().get(4).kProj().weight().get(31, 63));
        assertEquals(0.0911254361f, w.layers().get(0).vProj().weight().get(0, 0));
        assertEquals(0.0869196951f, w.layers().get(2).oProj().weight().get(10, 20));
        assertEquals(0.911358118f, w.layers().get(3).postAttentionLayernorm()[0]);
        assertEquals(-0.130622908f, w.layers().get(0).gateProj().weight().get(171, 63));
        assertEquals(-0.00350687164f, w.layers().get(4).downProj().weight().get(63, 171));
        assertEquals(-0.0826424286f, w.layers().get(2).upProj().weight().get(100, 1));
        assertEquals(1.5329392f, w.norm()[10]);
        assertEquals("model.layers.4.mlp.down_proj.weight", w.layers().get(4).downProj().weight().name);
    }

    /**
     * dim 4, hidden 6, 2 layers, 2 heads, 1 KV head (kv_dim 2), vocab -5 (untied), seq_len 3; every float holds its
     * own index in the weight section, so each tensor's first value is its hand-computed start:
     * emb 0, rms_att 20, wq 28, wk 60, wv 76, wo 92, rms_ffn 124, w1 132, w2 180, w3 228, rms_final 276,
     * freq_cis 280 and 283, wcls 286, end 306.
     */
    @Test
    void untiedClassifierAndEveryArrayOffset() throws IOException {
        Path bin = writeIndexed(tmp.resolve("untied.bin"), new int[] {4, 6, 2, 2, 1, -5, 3}, 306);
        ModelWeights w = Llama2cCheckpoint.load(bin);
        assertEquals(5, w.config().vocabSize());
        assertFalse(w.config().tieWordEmbeddings());
        assertNotSame(w.embedTokens(), w.lmHead());
        assertEquals(0f, w.embedTokens().get(0, 0));
        assertEquals(19f, w.embedTokens().get(4, 3));
        LayerWeights l1 = w.layers().get(1);
        assertEquals(24f, l1.inputLayernorm()[0]);
        assertEquals(44f, l1.qProj().weight().get(0, 0));
        assertEquals(68f, l1.kProj().weight().get(0, 0));
        assertEquals(84f, l1.vProj().weight().get(0, 0));
        assertEquals(108f, l1.oProj().weight().get(0, 0));
        assertEquals(128f, l1.postAttentionLayernorm()[0]);
        assertEquals(156f, l1.gateProj().weight().get(0, 0));
        assertEquals(204f + 6 * 3 + 5, l1.downProj().weight().get(3, 5));
        assertEquals(252f, l1.upProj().weight().get(0, 0));
        assertEquals(279f, w.norm()[3]);
        assertEquals(286f, w.lmHead().get(0, 0));
        assertEquals(305f, w.lmHead().get(4, 3));
    }

    @Test
    void truncatedFile() throws IOException {
        Path bin = tmp.resolve("stories260K.bin");
        byte[] bytes = Files.readAllBytes(stories260K());
        Files.write(bin, Arrays.copyOf(bytes, bytes.length - 100));
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "stories260K.bin", "1056440 bytes", "1056540 bytes", "truncated");
    }

    @Test
    void extraBytes() throws IOException {
        Path bin = tmp.resolve("stories260K.bin");
        byte[] bytes = Files.readAllBytes(stories260K());
        Files.write(bin, Arrays.copyOf(bytes, bytes.length + 12));
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "stories260K.bin", "1056552 bytes", "1056540 bytes");
    }

    @Test
    void classifierWithAPositiveVocabSize() throws IOException {
        Path bin = writeIndexed(tmp.resolve("tied.bin"), new int[] {4, 6, 2, 2, 1, 5, 3}, 306);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "tied.bin", "untied classifier", "vocab_size 5");
    }

    @Test
    void headerShorterThanSevenInts() throws IOException {
        Path bin = tmp.resolve("short.bin");
        Files.write(bin, new byte[20]);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "short.bin", "truncated", "28-byte");
    }

    @Test
    void nonPositiveHeaderField() throws IOException {
        Path bin = writeIndexed(tmp.resolve("zero.bin"), new int[] {4, 6, 2, 0, 1, 5, 3}, 10);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "zero.bin", "n_heads", "0");
    }

    @Test
    void dimNotAMultipleOfHeads() throws IOException {
        Path bin = writeIndexed(tmp.resolve("odd.bin"), new int[] {6, 6, 2, 4, 1, 5, 3}, 10);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "odd.bin", "dim (6)", "n_heads (4)");
    }

    @Test
    void headsNotAMultipleOfKvHeads() throws IOException {
        Path bin = writeIndexed(tmp.resolve("gqa.bin"), new int[] {8, 6, 2, 4, 3, 5, 3}, 10);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "gqa.bin", "num_key_value_heads");
    }

    @Test
    void versionedExportIsRefusedWithAHint() throws IOException {
        Path bin = writeIndexed(tmp.resolve("v1.bin"), new int[] {0x616b3432, 1, 64, 172, 5, 8, 4}, 10);
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "v1.bin", "ak42", "--version 0");
    }

    @Test
    void headerDescribingAnImpossibleSize() throws IOException {
        int max = Integer.MAX_VALUE;
        Path bin = writeIndexed(tmp.resolve("huge.bin"), new int[] {1 << 30, max, max, 1 << 29, 1 << 29, max, 1}, 10);
        // bounded before any size is computed from it
        assertCheckpointError(() -> Llama2cCheckpoint.load(bin), "huge.bin", "hidden_size", "sanity bound");
    }

    /** A llama2.c file with {@code header} and {@code floats} float32s, each equal to its index. */
    private static Path writeIndexed(Path file, int[] header, int floats) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : header) buf.putInt(h);
        for (int i = 0; i < floats; i++) buf.putFloat(i);
        return Files.write(file, buf.array());
    }
}
