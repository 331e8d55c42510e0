package dev.bellm.train;

import dev.bellm.model.LayerWeights;
import dev.bellm.model.Lora;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over every LoRA matrix of a model (and any matrix added with
 * {@link #train}), in place:
 * {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
 * {@code p −= lr·(m̂ / (√v̂ + ε) + λ·p)} with bias-corrected m̂, v̂. Also global-norm gradient clipping.
 */
public final class AdamW {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One trainable matrix, its gradient buffer and its two moment buffers. */
    public record Slot(String name, Matrix param, float[] grad, float[] m, float[] v) {}

    private final List<Slot> slots = new ArrayList<>();
    private final double beta1, beta2, eps, weightDecay;
    private int step;

    public AdamW(ModelWeights weights, LoraGradients grads, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (int l = 0; l < weights.layers().size(); l++) {
            for (int p = 0; p < LayerWeights.PROJECTIONS.size(); p++) {
                Lora lora = weights.layers().get(l).projection(LayerWeights.PROJECTIONS.get(p)).lora();
                if (lora == null) continue;
                String key = l + "." + LayerWeights.PROJECTIONS.get(p);
                slots.add(slot(key + ".A", lora.a(), grads.dA[l][p]));
                slots.add(slot(key + ".B", lora.b(), grads.dB[l][p]));
            }
        }
        if (slots.isEmpty()) throw new IllegalArgumentException("the model has no LoRA matrices to train");
    }

    /**
     * Also trains {@code param} (an F32 heap matrix outside the model, such as a distilled student's projection), with
     * {@code grad} its gradient buffer; {@code name} keys it in checkpoints and must be new.
     */
    public AdamW train(String name, Matrix param, float[] grad) {
        if (param.dtype != DType.F32 || (long) param.rows * param.cols != grad.length) {
            throw new IllegalArgumentException(name + ": a trained matrix must be F32 with a gradient of its size");
        }
        if (slots.stream().anyMatch(s -> s.name().equals(name))) throw new IllegalArgumentException("a slot named " + name + " is already trained");
        slots.add(slot(name, param, grad));
        return this;
    }

    private static Slot slot(String name, Matrix param, float[] grad) {
        return new Slot(name, param, grad, new float[grad.length], new float[grad.length]);
    }

    public List<Slot> slots() {
        return slots;
    }

    public int step() {
        return step;
    }

    /** Restores the step count after loading moments from a checkpoint. */
    public void setStep(int step) {
        this.step = step;
    }

    /** Scales all gradients so their global L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public double clipGradients(double maxNorm) {
        double ss = 0;
        for (Slot s : slots) for (float g : s.grad()) ss += (double) g * g;
        double norm = Math.sqrt(ss);
        if (maxNorm > 0 && norm > maxNorm) {
            float f = (float) (maxNorm / (norm + 1e-6));
            for (Slot s : slots) for (int i = 0; i < s.grad().length; i++) s.grad()[i] *= f;
        }
        return norm;
    }

    /** One update with learning rate {@code lr}; gradients are then zeroed. */
    public void update(double lr) {
        step++;
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        for (Slot s : slots) {
            MemorySegment p = s.param().data;
            float[] g = s.grad(), m = s.m(), v = s.v();
            for (int i = 0; i < g.length; i++) {
                m[i] = (float) (beta1 * m[i] + (1 - beta1) * g[i]);
                v[i] = (float) (beta2 * v[i] + (1 - beta2) * g[i] * g[i]);
                float w = p.getAtIndex(F32, i);
                double upd = (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps) + weightDecay * w;
                p.setAtIndex(F32, i, (float) (w - lr * upd));
                g[i] = 0;
            }
        }
    }
}
