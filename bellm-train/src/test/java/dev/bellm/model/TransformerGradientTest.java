package dev.bellm.model;

import dev.bellm.embed.Pooling;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tensor.DType;
import dev.bellm.train.LoraInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of the whole hand-written backward pass on random small models: every operation
 * (RMSNorm, q/k/v bias, q/k norm, RoPE in both layouts, causal and bidirectional GQA, SwiGLU, LoRA, pooling)
 * is on the path from the LoRA matrices to the loss {@code Σ r · pooled}.
 */
class TransformerGradientTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest(name = "{0} bidirectional from {1} (-1: causal), {2} pooling")
    @CsvSource({"llama,1,MEAN", "llama,0,LAST", "qwen2,2,LAST", "qwen3,1,FIRST", "qwen3,-1,MEAN", "llama2c,1,MEAN"})
    void loraGradientsMatchCentralDifferences(String arch, int from, Pooling pooling) {
        AttentionLayers bidirectionalFrom = from < 0 ? AttentionLayers.causal() : AttentionLayers.bidirectionalFrom(from);
        ModelConfig c = new ModelConfig(arch, 16, 24, 3, 4, 2, arch.equals("qwen3") ? 6 : 4, 40, 64, 10000, null, arch.equals("llama2c"),
                1e-5, arch.equals("qwen2"), arch.equals("qwen3"), false, 1, 2);
        ModelWeights w = LoraInit.attach(RandomWeights.build(c, DType.F32, 7), java.util.List.of("q_proj", "k_proj", "v_proj", "o_proj",
                "gate_proj", "up_proj", "down_proj"), 2, 4, false, 11);
        SplittableRandom rng = new SplittableRandom(3);
        // B starts at zero; give it values so the gradient of A is not zero too
        for (LayerWeights l : w.layers()) {
            for (String p : LayerWeights.PROJECTIONS) {
                var b = l.projection(p).lora().b().data;
                for (long i = 0; i < b.byteSize() / 4; i++) b.setAtIndex(F32, i, (float) (rng.nextGaussian() * 0.3));
            }
        }
        Transformer t = new Transformer(w, new VectorKernels(2));
        Batch batch = Batch.of(new int[] {1, 5, 9, 3, 22}, new int[] {1, 7}, new int[] {1, 30, 2, 8, 8, 13, 39});
        float[][] r = new float[batch.size()][c.hiddenSize()];
        for (float[] row : r) for (int i = 0; i < row.length; i++) row[i] = (float) rng.nextGaussian();

        float[] hidden = new float[batch.tokenCount() * c.hiddenSize()];
        Transformer.TrainingPass pass = t.trainingForward(batch, bidirectionalFrom, Transformer.LoraDropout.NONE, hidden);
        float[] dHidden = new float[hidden.length];
        pooling.backward(r, batch, c.hiddenSize(), dHidden);
        LoraGradients grads = new LoraGradients(w);
        t.backward(pass, dHidden, grads);

        double worst = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            for (int p = 0; p < LayerWeights.PROJECTIONS.size(); p++) {
                Lora lora = w.layers().get(l).projection(LayerWeights.PROJECTIONS.get(p)).lora();
                worst = Math.max(worst, check(t, batch, bidirectionalFrom, pooling, r, lora.a().data, grads.dA[l][p], rng));
                worst = Math.max(worst, check(t, batch, bidirectionalFrom, pooling, r, lora.b().data, grads.dB[l][p], rng));
            }
        }
        assertTrue(worst < 2e-2, "worst relative error " + worst);
    }

    private static double loss(Transformer t, Batch batch, AttentionLayers from, Pooling pooling, float[][] r) {
        float[][] pooled = pooling.pool(t.hiddenStates(batch, from), batch, t.config().hiddenSize());
        double sum = 0;
        for (int s = 0; s < pooled.length; s++) for (int i = 0; i < pooled[s].length; i++) sum += r[s][i] * pooled[s][i];
        return sum;
    }

    /** Compares 3 random entries of a parameter's analytic gradient with central differences; returns the worst relative error. */
    private static double check(Transformer t, Batch batch, AttentionLayers from, Pooling pooling, float[][] r, java.lang.foreign.MemorySegment param,
                                float[] grad, SplittableRandom rng) {
        double worst = 0, scale = 0;
        for (float g : grad) scale = Math.max(scale, Math.abs(g));
        for (int k = 0; k < 3; k++) {
            int i = rng.nextInt(grad.length);
            float v = param.getAtIndex(F32, i);
            float eps = 1e-2f;
            param.setAtIndex(F32, i, v + eps);
            double up = loss(t, batch, from, pooling, r);
            param.setAtIndex(F32, i, v - eps);
            double down = loss(t, batch, from, pooling, r);
            param.setAtIndex(F32, i, v);
            double numeric = (up - down) / (2 * eps);
            worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(scale, 1e-3));
        }
        return worst;
    }
}
