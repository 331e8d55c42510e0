package dev.bellm.train;

import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fresh LoRA adapters as PEFT initialises them: A ~ U(−1/√in, 1/√in) (kaiming-uniform with a = √5),
 * B = 0, so training starts from exactly the base model.
 */
public final class LoraInit {
    private LoraInit() {}

    public static ModelWeights attach(ModelWeights base, List<String> targets, int rank, double alpha, boolean rsLora, long seed) {
        float scale = Lora.scale(rank, alpha, rsLora);
        if (targets.isEmpty()) throw new IllegalArgumentException("no LoRA target modules; choose from " + LayerWeights.PROJECTIONS);
        for (String t : targets) {
            if (!LayerWeights.PROJECTIONS.contains(t)) {
                throw new IllegalArgumentException("unknown LoRA target '" + t + "'; choose from " + LayerWeights.PROJECTIONS);
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < base.layers().size(); l++) {
            int layer = l;
            layers.add(base.layers().get(l).mapProjections((name, linear) -> {
                if (!targets.contains(name)) return linear;
                if (linear.lora() != null) throw new IllegalArgumentException("layer " + layer + " " + name + " already has a LoRA");
                return linear.withLora(fresh(linear, layer, name, rank, scale, rng));
            }));
        }
        return base.withLayers(layers);
    }

    private static Lora fresh(Linear linear, int layer, String name, int rank, float scale, SplittableRandom rng) {
        float bound = (float) (1 / Math.sqrt(linear.in()));
        float[] a = new float[rank * linear.in()];
        for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        String prefix = "layers." + layer + "." + name;
        return new Lora(Matrix.of(prefix + ".lora_A", DType.F32, rank, linear.in(), a),
                Matrix.of(prefix + ".lora_B", DType.F32, linear.out(), rank, new float[linear.out() * rank]), scale);
    }
}
