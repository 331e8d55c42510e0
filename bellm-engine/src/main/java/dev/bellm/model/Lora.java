package dev.bellm.model;

import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

/**
 * A LoRA update of one linear layer: {@code W' = W + scale · B · A}, with A [r, in] and B [out, r] in F32.
 * {@code scale} is {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA.
 */
public record Lora(Matrix a, Matrix b, float scale) {
    public Lora {
        if (a.rows != b.cols) {
            throw new IllegalArgumentException("LoRA " + a.name + " has rank " + a.rows + " but " + b.name + " has rank " + b.cols);
        }
    }

    public int rank() {
        return a.rows;
    }

    /**
     * This update followed by {@code next} as one LoRA: {@code s₁B₁A₁ + s₂B₂A₂ = [s₁B₁ | s₂B₂]·[A₁; A₂]}, of rank
     * {@code r₁ + r₂} and scale 1 (stacked adapters: LLM2Vec's MNTP then supervised).
     */
    public Lora stack(Lora next) {
        if (next.a.cols != a.cols || next.b.rows != b.rows) {
            throw new IllegalArgumentException("LoRA " + next.a.name + " / " + next.b.name + " does not fit the shape of " + a.name + " / " + b.name);
        }
        int r1 = rank(), r2 = next.rank(), r = r1 + r2, in = a.cols, out = b.rows;
        float[] a1 = a.toFloats(), a2 = next.a.toFloats(), b1 = b.toFloats(), b2 = next.b.toFloats();
        float[] stackedA = new float[r * in];
        System.arraycopy(a1, 0, stackedA, 0, r1 * in);
        System.arraycopy(a2, 0, stackedA, r1 * in, r2 * in);
        float[] stackedB = new float[out * r];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < r1; k++) stackedB[o * r + k] = scale * b1[o * r1 + k];
            for (int k = 0; k < r2; k++) stackedB[o * r + r1 + k] = next.scale * b2[o * r2 + k];
        }
        return new Lora(Matrix.of(a.name, DType.F32, r, in, stackedA), Matrix.of(b.name, DType.F32, out, r, stackedB), 1f);
    }
}
