package dev.bellm.model;

/**
 * Gradients of the LoRA matrices, indexed by layer and projection (the order of {@link LayerWeights#PROJECTIONS}).
 * A null entry means that projection has no adapter. Row-major like the matrices: dA [r, in], dB [out, r].
 */
public final class LoraGradients {
    public final float[][][] dA;
    public final float[][][] dB;

    public LoraGradients(ModelWeights weights) {
        int layers = weights.layers().size(), p = LayerWeights.PROJECTIONS.size();
        dA = new float[layers][p][];
        dB = new float[layers][p][];
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < p; i++) {
                Lora lora = weights.layers().get(l).projection(LayerWeights.PROJECTIONS.get(i)).lora();
                if (lora != null) {
                    dA[l][i] = new float[lora.a().rows * lora.a().cols];
                    dB[l][i] = new float[lora.b().rows * lora.b().cols];
                }
            }
        }
    }

    public void zero() {
        for (float[][] layer : dA) for (float[] g : layer) if (g != null) java.util.Arrays.fill(g, 0f);
        for (float[][] layer : dB) for (float[] g : layer) if (g != null) java.util.Arrays.fill(g, 0f);
    }
}
