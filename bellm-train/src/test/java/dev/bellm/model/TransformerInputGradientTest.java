package dev.bellm.model;

import dev.bellm.embed.Pooling;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.train.LoraInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient {@link Transformer#backward} returns for the input embedding rows, against central differences of
 * {@code Σ r · pooled} in those rows, on random small models (with LoRA adapters on, so their branch is on the path).
 */
class TransformerInputGradientTest {
    private static ModelConfig config(String arch) {
        return new ModelConfig(arch, 16, 24, 3, 4, 2, arch.equals("qwen3") ? 6 : 4, 40, 64, 10000, null, arch.equals("llama2c"),
                1e-5, arch.equals("qwen2"), arch.equals("qwen3"), false, 1, 2);
    }

    @ParameterizedTest(name = "{0} bidirectional from {1}, {2} pooling")
    @CsvSource({"llama,1,MEAN", "qwen2,0,LAST", "qwen3,2,FIRST", "llama2c,3,LAST"})
    void inputGradientMatchesCentralDifferences(String arch, int bidirectionalFrom, Pooling pooling) {
        ModelConfig c = config(arch);
        ModelWeights w = LoraInit.attach(RandomWeights.build(c, DType.F32, 5), List.of("q_proj", "v_proj", "down_proj"), 2, 4, false, 9);
        Transformer t = new Transformer(w, new VectorKernels(2));
        Batch batch = Batch.of(new int[] {1, 5, 9, 3, 22}, new int[] {1, 30, 2, 8});
        SplittableRandom rng = new SplittableRandom(17);
        float[][] r = new float[batch.size()][c.hiddenSize()];
        for (float[] row : r) for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();
        float[] inputs = t.inputEmbeddings(batch.tokens());

        float[] hidden = new float[inputs.length];
        Transformer.TrainingPass pass = t.trainingForward(batch, inputs, bidirectionalFrom, Transformer.LoraDropout.NONE, hidden);
        float[] dHidden = new float[hidden.length];
        pooling.backward(r, batch, c.hiddenSize(), dHidden);
        float[] grad = t.backward(pass, dHidden, new LoraGradients(w));

        double scale = 0;
        for (float g : grad) scale = Math.max(scale, Math.abs(g));
        assertTrue(scale > 0, "the gradient is all zeros");
        double worst = 0;
        for (int k = 0; k < 40; k++) {
            int i = rng.nextInt(inputs.length);
            float v = inputs[i], eps = 1e-2f;
            inputs[i] = v + eps;
            double up = loss(t, batch, inputs, bidirectionalFrom, pooling, r);
            inputs[i] = v - eps;
            double down = loss(t, batch, inputs, bidirectionalFrom, pooling, r);
            inputs[i] = v;
            worst = Math.max(worst, Math.abs((up - down) / (2 * eps) - grad[i]) / scale);
        }
        assertTrue(worst < 2e-2, "worst error relative to the largest gradient " + worst);
    }

    @Test
    void forwardFromTheTableRowsIsTheTokenForward() {
        ModelConfig c = config("llama");
        Transformer t = new Transformer(RandomWeights.build(c, DType.F32, 5), new VectorKernels(2));
        Batch batch = Batch.of(new int[] {1, 5, 9}, new int[] {1, 7});
        float[] a = new float[batch.tokenCount() * c.hiddenSize()], b = new float[a.length];
        t.trainingForward(batch, 1, Transformer.LoraDropout.NONE, a);
        t.trainingForward(batch, t.inputEmbeddings(batch.tokens()), 1, Transformer.LoraDropout.NONE, b);
        assertArrayEquals(a, b);
        assertArrayEquals(t.hiddenStates(batch, 1), b);
    }

    @Test
    void attentionMapsAreRowStochasticAndCausalWhereTheyShouldBe() {
        ModelConfig c = config("llama");
        Transformer t = new Transformer(RandomWeights.build(c, DType.F32, 5), new VectorKernels(2));
        int len = 6;
        float[][] maps = t.attentionProbabilities(Batch.of(new int[] {1, 5, 9, 3, 22, 4}), 2);
        assertEquals(c.numLayers(), maps.length);
        for (int l = 0; l < maps.length; l++) {
            assertEquals(c.numHeads() * len * len, maps[l].length);
            for (int h = 0; h < c.numHeads(); h++) {
                for (int i = 0; i < len; i++) {
                    double sum = 0, future = 0;
                    for (int j = 0; j < len; j++) {
                        float p = maps[l][(h * len + i) * len + j];
                        sum += p;
                        if (j > i) future += p;
                    }
                    assertEquals(1, sum, 1e-5);
                    if (l < 2) assertEquals(0, future, 0.0, "causal layer " + l + " looks ahead");
                    else if (i < len - 1) assertTrue(future > 0, "bidirectional layer " + l + " ignores later tokens");
                }
            }
        }
    }

    private static double loss(Transformer t, Batch batch, float[] inputs, int from, Pooling pooling, float[][] r) {
        float[] hidden = new float[inputs.length];
        t.trainingForward(batch, inputs, from, Transformer.LoraDropout.NONE, hidden);
        float[][] pooled = pooling.pool(hidden, batch, t.config().hiddenSize());
        double sum = 0;
        for (int s = 0; s < pooled.length; s++) for (int i = 0; i < pooled[s].length; i++) sum += r[s][i] * pooled[s][i];
        return sum;
    }
}
