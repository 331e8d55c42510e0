package dev.bellm.model;

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
}
