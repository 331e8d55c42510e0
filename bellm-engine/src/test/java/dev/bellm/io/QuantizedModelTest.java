package dev.bellm.io;

import dev.bellm.SharedData;
import dev.bellm.Fixtures;
import dev.bellm.kernels.NaiveKernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Q8_0 weights: the quantizer's arithmetic, the safetensors round trip, and the model that loads back. */
@SharedData
class QuantizedModelTest {

    @Test
    void eachBlockKeepsItsValuesWithinHalfAStep() {
        Random rnd = new Random(1);
        int rows = 7, cols = 96;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 3));
        for (int c = 32; c < 64; c++) v[2 * cols + c] = 0f; // an all-zero block
        Matrix q = Matrix.of("w", DType.Q8_0, rows, cols, v);
        assertEquals(DType.Q8_0, q.dtype);
        assertEquals((long) rows * cols + rows * (cols / 32) * 2, q.byteSize());
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                float max = 0;
                for (int c = b * 32; c < b * 32 + 32; c++) max = Math.max(max, Math.abs(v[r * cols + c]));
                float d = q.scale(r, b * 32);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(max / 127f)), d, "scale of row " + r + " block " + b);
                for (int c = b * 32; c < b * 32 + 32; c++) {
                    float got = q.get(r, c);
                    assertTrue(Math.abs(got - v[r * cols + c]) <= 0.5 * d * (1 + 1e-3) + 1e-30,
                            "w[" + r + ", " + c + "] = " + v[r * cols + c] + " kept as " + got + " (step " + d + ")");
                }
            }
        }
        for (int c = 32; c < 64; c++) assertEquals(0f, q.get(2, c));
        float[] row = new float[cols];
        q.row(3, row, 0);
        for (int c = 0; c < cols; c++) assertEquals(q.get(3, c), row[c]);
        assertThrows(IllegalArgumentException.class, () -> Matrix.of("w", DType.Q8_0, 1, 33, new float[33]));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Matrix.of("w", DType.Q8_0, 1, 32, new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertTrue(nan.getMessage().contains("cannot quantize"), nan.getMessage());
    }

    /**
     * tiny-llama quantized, written and loaded back: every linear weight is the Q8_0 of the original (values and
     * scales byte for byte), everything else is unchanged, and the quantized model's hidden states stay close to the
     * original's while the fast kernels agree with the naive loops on it.
     */
    @Test
    void tinyLlamaRoundTripsThroughSafetensors(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("tiny-llama-q8");
        MergedModelWriter.quantize(Fixtures.path("tiny-llama"), List.of(), out, MergedModelWriter.Options.DEFAULTS,
                MergedModelWriter.Progress.NONE);
        SafetensorsFile file = SafetensorsFile.open(out.resolve(HfCheckpoint.WEIGHTS_FILE));
        assertEquals(Map.of("format", "pt", "bellm.quantization", "q8_0", "bellm.q8_block", "32"), file.metadata());
        assertEquals("I8", file.entry("model.layers.0.self_attn.q_proj.weight").dtype());
        assertEquals("F16", file.entry("model.layers.0.self_attn.q_proj.weight_scale").dtype());

        ModelWeights original = ModelLoader.load(Fixtures.path("tiny-llama"));
        ModelWeights loaded = ModelLoader.load(out);
        for (int l = 0; l < original.config().numLayers(); l++) {
            for (String p : LayerWeights.PROJECTIONS) {
                Matrix expected = original.layers().get(l).projection(p).weight().quantized();
                Matrix got = loaded.layers().get(l).projection(p).weight();
                assertEquals(DType.Q8_0, got.dtype, l + " " + p);
                assertEquals(-1, expected.data.mismatch(got.data), l + " " + p + " values");
                assertEquals(-1, expected.scales.mismatch(got.scales), l + " " + p + " scales");
            }
            assertArrayEquals(original.layers().get(l).inputLayernorm(), loaded.layers().get(l).inputLayernorm());
        }
        Matrix embed = original.embedTokens().quantized();
        assertEquals(DType.Q8_0, loaded.dtype());
        assertEquals(-1, embed.data.mismatch(loaded.embedTokens().data));
        assertEquals(-1, embed.scales.mismatch(loaded.embedTokens().scales));
        assertEquals(DType.Q8_0, loaded.lmHead().dtype);
        long q8Bytes = Files.size(out.resolve(HfCheckpoint.WEIGHTS_FILE));
        long f32Bytes = Files.size(Fixtures.path("tiny-llama").resolve(HfCheckpoint.WEIGHTS_FILE));
        assertTrue(q8Bytes < f32Bytes, q8Bytes + " vs " + f32Bytes);

        int[] tokens = Fixtures.ids("prompt", 0);
        Batch batch = Batch.of(tokens);
        try (VectorKernels fast = new VectorKernels(2)) {
            float[] exact = new Transformer(original, fast).hiddenStates(batch, 2);
            float[] quantized = new Transformer(loaded, fast).hiddenStates(batch, 2);
            float[] naive = new Transformer(loaded, new NaiveKernels()).hiddenStates(batch, 2);
            assertTrue(Fixtures.cosine(exact, quantized) > 0.999, "cosine with the unquantized model " + Fixtures.cosine(exact, quantized));
            assertTrue(maxRelative(naive, quantized) < 1e-4, "fast vs naive kernels on Q8_0: " + maxRelative(naive, quantized));
        }

        // quantizing again keeps the Q8_0 weights as they are
        Path again = tmp.resolve("again");
        MergedModelWriter.quantize(out, List.of(), again, MergedModelWriter.Options.DEFAULTS, MergedModelWriter.Progress.NONE);
        Linear before = loaded.layers().get(1).projection("down_proj");
        Linear after = ModelLoader.load(again).layers().get(1).projection("down_proj");
        assertEquals(-1, before.weight().data.mismatch(after.weight().data));
    }

    @Test
    void anInt8TensorWithoutItsScalesIsAClearError(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("w.safetensors");
        MemorySegment bytes = MemorySegment.ofArray(new byte[64]);
        SafetensorsFile.write(file, List.of(new SafetensorsFile.Tensor("w", "I8", new long[] {2, 32}, bytes)), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file).matrix("w", 2, 32));
        assertTrue(e.getMessage().contains("w_scale") && e.getMessage().contains("w.safetensors"), e.getMessage());
    }

    private static double maxRelative(float[] expected, float[] actual) {
        double max = 0, scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]) / scale);
        return max;
    }
}
