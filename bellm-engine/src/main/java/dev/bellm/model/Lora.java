package dev.bellm.model;

import dev.bellm.tensor.Matrix;

/**
 * A LoRA update of one linear layer: {@code W' = W + scale · B · A}, with A [r, in] and B [out, r] in F32.
 * {@code scale} is {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA.
 */
public record Lora(Matrix a, Matrix b, float scale) {
    /** Ranks above this are not low-rank for any model bellm loads (hidden sizes are bounded by the same figure). */
    public static final int MAX_RANK = ModelConfig.MAX_HIDDEN;
    /**
     * The sane range of {@code scale}: published adapters use 0.5 to 16 or so. Outside it the update either overflows
     * float arithmetic into infinities and NaN (lora_alpha 1e38) or vanishes (1e-320), silently in both cases.
     */
    public static final double MIN_SCALE = 1e-6, MAX_SCALE = 1e6;

    public Lora {
        if (a.rows != b.cols) {
            throw new IllegalArgumentException("LoRA " + a.name + " has rank " + a.rows + " but " + b.name + " has rank " + b.cols);
        }
        if (!(scale >= MIN_SCALE && scale <= MAX_SCALE)) {
            throw new IllegalArgumentException("LoRA " + a.name + " has scale " + scale + ", outside [" + MIN_SCALE + ", " + MAX_SCALE + "]");
        }
    }

    /**
     * The scale PEFT applies, {@code alpha / r} ({@code alpha / sqrt(r)} with rsLoRA), after checking that the rank and
     * alpha are positive and finite and the scale in [{@link #MIN_SCALE}, {@link #MAX_SCALE}]; the message names the
     * offending value (as PEFT names it: r, lora_alpha) so a loader can add its file.
     */
    public static float scale(int rank, double alpha, boolean rsLora) {
        if (rank <= 0 || rank > MAX_RANK) throw new IllegalArgumentException("r is " + rank + "; it must be in 1.." + MAX_RANK);
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha is " + alpha + "; it must be a positive finite number");
        }
        double scale = rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
        if (!(scale >= MIN_SCALE && scale <= MAX_SCALE)) {
            throw new IllegalArgumentException("lora_alpha " + alpha + " and r " + rank + (rsLora ? " with rsLoRA" : "")
                    + " give the scale " + scale + ", outside the sane range [" + MIN_SCALE + ", " + MAX_SCALE
                    + "] (the update would overflow into NaN or vanish)");
        }
        return (float) scale;
    }

    public int rank() {
        return a.rows;
    }
}
