package dev.bellm.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.Fixtures;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.VectorKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A shared prompt prefix computed once gives the same hidden states, bit for bit, as the uncached pass over the whole
 * prefixed sequences: on every fixture model and setting (adapters included), at every bidirectional depth from all
 * bidirectional to all causal, and for prefixes from the BOS token alone to the whole shared part of the BeLLM prompt.
 */
class PromptPrefixTest {
    private static final VectorKernels KERNELS = new VectorKernels(2);

    @AfterAll
    static void close() {
        KERNELS.close();
    }

    @TestFactory
    List<DynamicTest> cachedPrefixIsBitIdenticalOnEveryFixtureSetting() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> model : Fixtures.cases().get("models").properties()) {
            for (JsonNode setting : model.getValue().get("settings")) {
                String adapter = setting.hasNonNull("adapter") ? setting.get("adapter").asText() : null;
                String name = model.getKey() + "/" + setting.get("name").asText();
                tests.add(DynamicTest.dynamicTest(name, () -> check(model.getKey(), adapter, setting.get("bidirectional_from"))));
            }
        }
        return tests;
    }

    private static void check(String model, String adapter, JsonNode settingFrom) {
        ModelWeights w = ModelLoader.load(Fixtures.path(model));
        if (adapter != null) w = PeftAdapter.load(Fixtures.path(adapter)).apply(w);
        Transformer t = new Transformer(w, KERNELS);
        int layers = w.config().numLayers();
        int[][] sequences = new int[Fixtures.textCount()][];
        for (int i = 0; i < sequences.length; i++) sequences[i] = Fixtures.ids("prompt", i);
        int shared = commonPrefix(sequences);
        List<Integer> depths = new ArrayList<>(List.of(0, 1, layers - 1, layers, Transformer.CAUSAL));
        if (settingFrom != null && !settingFrom.isNull()) depths.add(settingFrom.asInt());
        for (int from : depths) {
            for (int p : new int[] {1, 3, shared}) {
                int[] prefixTokens = Arrays.copyOf(sequences[0], p);
                Transformer.PromptPrefix prefix = t.prefix(prefixTokens, from);
                int[][] suffixes = new int[sequences.length][];
                for (int i = 0; i < sequences.length; i++) {
                    assertTrue(prefix.prefixes(sequences[i]));
                    suffixes[i] = Arrays.copyOfRange(sequences[i], p, sequences[i].length);
                }
                float[] expected = t.hiddenStates(Batch.of(sequences), from);
                float[] cached = t.hiddenStates(Batch.of(suffixes), prefix);
                assertEquals(expected.length, cached.length);
                for (int i = 0; i < expected.length; i++) {
                    if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(cached[i])) {
                        fail(model + " bidirectional_from " + from + ", prefix " + p + ": element " + i + " differs: "
                                + expected[i] + " vs " + cached[i]);
                    }
                }
            }
        }
    }

    @Test
    void prefixChecksItsInput() {
        Transformer t = new Transformer(ModelLoader.load(Fixtures.path("tiny-llama")), KERNELS);
        assertThrows(IllegalArgumentException.class, () -> t.prefix(new int[0], 2));
        Transformer.PromptPrefix p = t.prefix(new int[] {1, 4, 5}, 2);
        assertTrue(p.prefixes(new int[] {1, 4, 5, 9}));
        assertFalse(p.prefixes(new int[] {1, 4, 5}), "a sequence must go on after the prefix");
        assertFalse(p.prefixes(new int[] {1, 4, 6, 9}));
    }

    private static int commonPrefix(int[][] sequences) {
        int n = sequences[0].length;
        for (int[] s : sequences) n = Math.min(n, Arrays.mismatch(s, sequences[0]) < 0 ? s.length : Arrays.mismatch(s, sequences[0]));
        return Math.min(n, sequences[0].length - 1);
    }
}
