package dev.bellm.model;


/**
 * One decoder layer, named like the checkpoint keys ({@code model.layers.N.*}).
 *
 * @param qNorm per-head RMSNorm weights (qwen3), else null
 * @param kNorm per-head RMSNorm weights (qwen3), else null
 */
public record LayerWeights(
        float[] inputLayernorm,
        Linear qProj,
        Linear kProj,
        Linear vProj,
        Linear oProj,
        float[] qNorm,
        float[] kNorm,
        float[] postAttentionLayernorm,
        Linear gateProj,
        Linear upProj,
        Linear downProj) {

    /** The seven projection names PEFT targets, in checkpoint order. */
    public static final java.util.List<String> PROJECTIONS =
            java.util.List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public Linear projection(String name) {
        return switch (name) {
            case "q_proj" -> qProj;
            case "k_proj" -> kProj;
            case "v_proj" -> vProj;
            case "o_proj" -> oProj;
            case "gate_proj" -> gateProj;
            case "up_proj" -> upProj;
            case "down_proj" -> downProj;
            default -> throw new IllegalArgumentException("unknown projection '" + name + "'; expected one of " + PROJECTIONS);
        };
    }

    /** A copy with each projection replaced by {@code f.apply(name, projection)}. */
    public LayerWeights mapProjections(java.util.function.BiFunction<String, Linear, Linear> f) {
        return new LayerWeights(inputLayernorm, f.apply("q_proj", qProj), f.apply("k_proj", kProj), f.apply("v_proj", vProj),
                f.apply("o_proj", oProj), qNorm, kNorm, postAttentionLayernorm, f.apply("gate_proj", gateProj),
                f.apply("up_proj", upProj), f.apply("down_proj", downProj));
    }
}
