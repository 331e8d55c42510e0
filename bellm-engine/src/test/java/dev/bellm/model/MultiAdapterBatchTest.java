package dev.bellm.model;

import dev.bellm.SharedData;

import dev.bellm.Fixtures;
import dev.bellm.io.HfCheckpoint;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A batch whose sequences name different adapters of one base gives each sequence its single-adapter bits. */
@SharedData
class MultiAdapterBatchTest {
    private static final int BIDIRECTIONAL_FROM = 2;
    private static VectorKernels kernels;
    private static ModelWeights base, fixtureAdapter, otherAdapter;

    @BeforeAll
    static void load() {
        kernels = new VectorKernels(2);
        base = HfCheckpoint.load(Fixtures.path("tiny-llama"));
        fixtureAdapter = PeftAdapter.load(Fixtures.path("tiny-llama-lora")).apply(base);
        // a second adapter of the same base: the fixture's A and B with another scale, so a different delta
        otherAdapter = fixtureAdapter.withLayers(fixtureAdapter.layers().stream()
                .map(l -> l.mapProjections((p, lin) -> lin.withLora(new Lora(lin.lora().a(), lin.lora().b(), 1.75f * lin.lora().scale()))))
                .toList());
    }

    @AfterAll
    static void close() {
        kernels.close();
    }

    /** Hidden states of sequence s alone, through a transformer on weights with that adapter applied (or the base). */
    private static float[] alone(int[] ids, ModelWeights weights) {
        return new Transformer(weights == null ? base : weights, kernels).hiddenStates(Batch.of(ids), BIDIRECTIONAL_FROM);
    }

    @Test
    void mixedAdapterBatchEqualsEachSequenceWithItsOwnAdapterBitForBit() {
        int n = Fixtures.textCount();
        int[][] ids = new int[n][];
        ModelWeights[] adapters = new ModelWeights[n];
        ModelWeights[] choices = {fixtureAdapter, null, otherAdapter, otherAdapter, fixtureAdapter};
        for (int i = 0; i < n; i++) {
            ids[i] = Fixtures.ids("prompt", i);
            adapters[i] = choices[i % choices.length];
        }
        Batch batch = Batch.of(ids).withAdapters(adapters);
        float[] mixed = new Transformer(base, kernels).hiddenStates(batch, BIDIRECTIONAL_FROM);
        int h = base.config().hiddenSize();
        for (int i = 0; i < n; i++) {
            float[] expected = alone(ids[i], adapters[i]);
            float[] actual = Arrays.copyOfRange(mixed, batch.offsets()[i] * h, batch.offsets()[i + 1] * h);
            assertArrayEquals(expected, actual, "sequence " + i);
        }
    }

    @Test
    void theAdaptersReallyDifferSoTheComparisonCanFail() {
        int[] ids = Fixtures.ids("prompt", 0);
        float[] b = alone(ids, null), f = alone(ids, fixtureAdapter), o = alone(ids, otherAdapter);
        assertFalse(Arrays.equals(b, f));
        assertFalse(Arrays.equals(f, o));
        assertFalse(Arrays.equals(b, o));
    }

    @Test
    void perSequenceAdaptersReplaceTheTransformersOwnLora() {
        int[] ids = Fixtures.ids("prompt", 1);
        Batch batch = Batch.of(ids, ids).withAdapters(otherAdapter, null);
        float[] out = new Transformer(fixtureAdapter, kernels).hiddenStates(batch, BIDIRECTIONAL_FROM);
        int h = base.config().hiddenSize();
        assertArrayEquals(alone(ids, otherAdapter), Arrays.copyOfRange(out, 0, ids.length * h));
        assertArrayEquals(alone(ids, null), Arrays.copyOfRange(out, ids.length * h, 2 * ids.length * h));
    }

    @Test
    void anAdapterOfAnotherBaseIsRefused() {
        ModelWeights stranger = PeftAdapter.load(Fixtures.path("tiny-llama-lora")).apply(HfCheckpoint.load(Fixtures.path("tiny-llama")));
        Batch batch = Batch.of(Fixtures.ids("prompt", 0)).withAdapters(stranger);
        var e = assertThrows(IllegalArgumentException.class, () -> new Transformer(base, kernels).hiddenStates(batch, BIDIRECTIONAL_FROM));
        assertTrue(e.getMessage().contains("not applied to this transformer's base"), e.getMessage());
    }

    @Test
    void trainingRefusesPerSequenceAdapters() {
        Batch batch = Batch.of(Fixtures.ids("prompt", 0)).withAdapters(fixtureAdapter);
        assertThrows(IllegalArgumentException.class, () -> new Transformer(base, kernels)
                .trainingForward(batch, BIDIRECTIONAL_FROM, Transformer.LoraDropout.NONE, new float[batch.tokenCount() * 64]));
    }

    @Test
    void adapterCountMustMatchSequences() {
        assertThrows(IllegalArgumentException.class, () -> Batch.of(new int[] {1, 2}, new int[] {3}).withAdapters(fixtureAdapter));
    }
}
