package dev.bellm.model;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.Fixtures;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.kernels.KernelShape;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.NaiveKernels;
import dev.bellm.kernels.VectorKernels;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every expected embedding of {@code cases.json}, computed from the fixtures' token ids, against the float64 oracle,
 * with every forward kernel shape (the machine picks one; the others must be just as right wherever they run).
 */
@SharedData
class FixtureEmbeddingTest {
    /** The fixtures README: float32 engines agree to about 1e-4 relative to the vector's largest entry. */
    private static final double TOLERANCE = 1e-4;

    @TestFactory
    List<DynamicTest> everyFixtureCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = Fixtures.cases().get("models").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> model = it.next();
            for (JsonNode setting : model.getValue().get("settings")) {
                String name = model.getKey() + "/" + setting.get("name").asText();
                for (KernelShape shape : KernelShape.values()) {
                    tests.add(DynamicTest.dynamicTest(name + " " + shape, () -> checkSetting(model.getKey(), model.getValue(), setting, shape)));
                }
            }
        }
        return tests;
    }

    private static Transformer transformer(String model, JsonNode setting, Kernels kernels) {
        ModelWeights w = ModelLoader.load(Fixtures.path(model));
        if (setting.hasNonNull("adapter")) w = PeftAdapter.load(Fixtures.path(setting.get("adapter").asText())).apply(w);
        return new Transformer(w, kernels);
    }

    private static AttentionLayers attention(JsonNode setting) {
        JsonNode b = setting.get("bidirectional_from");
        return b == null || b.isNull() ? AttentionLayers.causal() : AttentionLayers.bidirectionalFrom(b.asInt());
    }

    private static void checkSetting(String model, JsonNode modelNode, JsonNode setting, KernelShape shape) {
        Transformer t = transformer(model, setting, new VectorKernels(2, shape));
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path(modelNode.get("expected").asText()));
        String name = setting.get("name").asText();
        String input = setting.get("input").asText();
        Pooling pooling = Pooling.parse(setting.get("pooling").asText());
        int h = t.config().hiddenSize();
        for (int i = 0; i < Fixtures.textCount(); i++) {
            Batch batch = Batch.of(Fixtures.ids(input, i));
            float[] hidden = t.hiddenStates(batch, attention(setting));
            float[] pooled = pooling.pool(hidden, batch, h)[0];
            double err = Fixtures.relativeError(pooled, expected.doubles(name + "." + i));
            assertTrue(err < TOLERANCE, name + " input " + i + ": relative error " + err);
            if (i == 0 && expected.contains(name + ".hidden.0")) {
                double herr = Fixtures.relativeError(hidden, expected.doubles(name + ".hidden.0"));
                assertTrue(herr < TOLERANCE, name + " hidden states: relative error " + herr);
            }
        }
    }

    /** Mixed lengths in one packed batch give each sequence exactly what it gets alone. */
    @Test
    void batchCompositionDoesNotChangeAnyEmbedding() {
        JsonNode setting = Fixtures.cases().get("models").get("tiny-llama").get("settings").get(4); // bidir-last2-prompt-mean
        Transformer t = transformer("tiny-llama", setting, new VectorKernels(2));
        int n = Fixtures.textCount();
        int[][] all = new int[n][];
        for (int i = 0; i < n; i++) all[i] = Fixtures.ids("prompt", i);
        float[][] together = Pooling.MEAN.pool(t.hiddenStates(Batch.of(all), AttentionLayers.bidirectionalFrom(2)), Batch.of(all), t.config().hiddenSize());
        int[][] reversedPair = {all[5], all[7], all[0]};
        float[][] other = Pooling.MEAN.pool(t.hiddenStates(Batch.of(reversedPair), AttentionLayers.bidirectionalFrom(2)), Batch.of(reversedPair), t.config().hiddenSize());
        for (int i = 0; i < n; i++) {
            Batch alone = Batch.of(all[i]);
            float[] single = Pooling.MEAN.pool(t.hiddenStates(alone, AttentionLayers.bidirectionalFrom(2)), alone, t.config().hiddenSize())[0];
            assertArrayEquals(single, together[i], "input " + i + " alone vs in the batch of all");
        }
        assertArrayEquals(together[5], other[0]);
        assertArrayEquals(together[7], other[1]);
        assertArrayEquals(together[0], other[2]);
    }

    /** With only the last layer bidirectional, the last token already saw everything: bellm-last is causal-last. */
    @Test
    void lastLayerBidirectionalWithLastPoolingIsTheCausalEmbedding() {
        JsonNode setting = Fixtures.cases().get("models").get("tiny-llama").get("settings").get(0);
        Transformer t = transformer("tiny-llama", setting, new VectorKernels(2));
        for (int i = 0; i < Fixtures.textCount(); i++) {
            Batch b = Batch.of(Fixtures.ids("plain", i));
            float[] causal = Pooling.LAST.pool(t.hiddenStates(b, AttentionLayers.causal()), b, 64)[0];
            float[] bellm = Pooling.LAST.pool(t.hiddenStates(b, AttentionLayers.bidirectionalFrom(3)), b, 64)[0];
            assertArrayEquals(causal, bellm);
        }
    }

    /** The fast kernels and the naive reference give the same model output. */
    @Test
    void vectorAndNaiveKernelsAgree() {
        JsonNode setting = Fixtures.cases().get("models").get("tiny-qwen3").get("settings").get(0);
        Transformer fast = transformer("tiny-qwen3", setting, new VectorKernels(2));
        Transformer naive = transformer("tiny-qwen3", setting, new NaiveKernels());
        Batch b = Batch.of(Fixtures.ids("prompt", 5), Fixtures.ids("plain", 2));
        float[] x = fast.hiddenStates(b, AttentionLayers.bidirectionalFrom(1)), y = naive.hiddenStates(b, AttentionLayers.bidirectionalFrom(1));
        double[] yd = new double[y.length];
        for (int i = 0; i < y.length; i++) yd[i] = y[i];
        assertTrue(Fixtures.relativeError(x, yd) < 1e-5);
    }
}
