package dev.bellm.model;

import dev.bellm.tensor.Matrix;

/**
 * One projection: {@code y = x · Wᵀ (+ bias) (+ scale · (x · Aᵀ) · Bᵀ)}. W stays frozen in its stored dtype;
 * the optional LoRA pair is what training changes.
 *
 * @param bias null when the layer has none
 * @param lora null when no adapter applies
 */
public record Linear(Matrix weight, float[] bias, Lora lora) {
    public Linear {
        if (bias != null && bias.length != weight.rows) {
            throw new IllegalArgumentException(weight.name + ": bias of " + bias.length + " for " + weight.rows + " outputs");
        }
        if (lora != null && (lora.a().cols != weight.cols || lora.b().rows != weight.rows)) {
            throw new IllegalArgumentException(weight.name + ": LoRA A " + lora.a() + " and B " + lora.b() + " do not fit " + weight);
        }
    }

    public Linear withLora(Lora l) {
        return new Linear(weight, bias, l);
    }

    public int in() {
        return weight.cols;
    }

    public int out() {
        return weight.rows;
    }
}
