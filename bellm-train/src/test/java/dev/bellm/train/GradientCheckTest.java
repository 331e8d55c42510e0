package dev.bellm.train;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.Fixtures;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.train.loss.AngleObjective;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixtures' {@code gradient_check}: the AnglE loss of three prompt pairs embedded by tiny-llama with its
 * adapter (layers 2, 3 bidirectional, last-token pooling), and its gradient with respect to every LoRA tensor,
 * through the hand-written backward pass of the whole model.
 */
@SharedData
class GradientCheckTest {
    @Test
    void lossAndEveryLoraGradientMatchTheFloat64Oracle() {
        JsonNode check = Fixtures.cases().get("gradient_check");
        ModelWeights w = PeftAdapter.load(Fixtures.path(check.get("adapter").asText()))
                .apply(ModelLoader.load(Fixtures.path(check.get("model").asText())));
        Transformer t = new Transformer(w, new VectorKernels(2));
        int pairs = check.get("pairs").size();
        int[][] rows = new int[2 * pairs][];
        float[] labels = new float[2 * pairs];
        for (int p = 0; p < pairs; p++) {
            rows[2 * p] = Fixtures.ids("prompt", check.get("pairs").get(p).get(0).asInt());
            rows[2 * p + 1] = Fixtures.ids("prompt", check.get("pairs").get(p).get(1).asInt());
            labels[2 * p] = labels[2 * p + 1] = (float) check.get("labels").get(p).asDouble();
        }
        Batch batch = Batch.of(rows);
        int h = t.config().hiddenSize();
        float[] hidden = new float[batch.tokenCount() * h];
        Transformer.TrainingPass pass = t.trainingForward(batch, check.get("bidirectional_from").asInt(), Transformer.LoraDropout.NONE, hidden);
        float[][] pooled = Pooling.LAST.pool(hidden, batch, h);
        float[] flat = new float[rows.length * h], dFlat = new float[rows.length * h];
        for (int r = 0; r < rows.length; r++) System.arraycopy(pooled[r], 0, flat, r * h, h);
        double loss = AngleObjective.defaults().forward(flat, rows.length, h, labels, dFlat);
        assertEquals(check.get("loss_value").asDouble(), loss, 1e-4 * Math.abs(check.get("loss_value").asDouble()));

        float[][] dPooled = new float[rows.length][h];
        for (int r = 0; r < rows.length; r++) System.arraycopy(dFlat, r * h, dPooled[r], 0, h);
        float[] dHidden = new float[hidden.length];
        Pooling.LAST.backward(dPooled, batch, h, dHidden);
        LoraGradients grads = new LoraGradients(w);
        t.backward(pass, dHidden, grads);

        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path(check.get("file").asText()));
        int checked = 0;
        for (int l = 0; l < w.layers().size(); l++) {
            for (int p = 0; p < LayerWeights.PROJECTIONS.size(); p++) {
                String module = LayerWeights.PROJECTIONS.get(p);
                String prefix = "grad.base_model.model.model.layers." + l + (p < 4 ? ".self_attn." : ".mlp.") + module;
                checked += compare(prefix + ".lora_A.weight", grads.dA[l][p], expected);
                checked += compare(prefix + ".lora_B.weight", grads.dB[l][p], expected);
            }
        }
        assertEquals(expected.names().size(), checked, "every expected gradient tensor was compared");
    }

    private static int compare(String name, float[] actual, SafetensorsFile expected) {
        double err = Fixtures.relativeError(actual, expected.doubles(name));
        assertTrue(err < 1e-4, name + ": relative error " + err);
        return 1;
    }
}
