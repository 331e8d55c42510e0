package dev.bellm.bench;

import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;

/**
 * Floating-point operations of the decoder, counted as multiply-adds × 2 in the matrix products only. Norms, RoPE,
 * SwiGLU, softmax and the embedding lookup are left out: they are O(hidden) per token, under 1 % here.
 *
 * <p>Forward, per batch: {@code 2·T·N + 2·T·N_lora + attention}, where T is the batch's tokens, N the weights of
 * the seven projections of all layers (the non-embedding parameters less the norms; the lm head is not run when
 * embedding), {@code N_lora = Σ r·(in + out)} over the adapters, and attention is {@code 4·qDim} per (query, key)
 * pair a layer computes (q·k and p·v): {@code len²} pairs per bidirectional layer, {@code len·(len+1)/2} per
 * causal one, exactly as {@code Transformer} loops.
 *
 * <p>Training: the model-FLOP convention (as in PaLM's MFU) counts 3 × forward. What the engine executes is
 * different: forward, the forward again (each layer is recomputed in the backward pass), and a backward with no
 * gradient for the frozen base weights: {@code 2·T·N} for dx, {@code 4·T·N_lora} for the LoRA gradients and dx
 * through the adapter, and 2 × the forward attention (dp, dv, dq, dk).
 */
record ModelFlops(long baseWeights, long loraWeights, int qDim, int layers) {

    static ModelFlops of(ModelWeights w) {
        long base = 0, lora = 0;
        for (LayerWeights layer : w.layers()) {
            for (String p : LayerWeights.PROJECTIONS) {
                Linear lin = layer.projection(p);
                base += lin.weight().parameterCount();
                Lora l = lin.lora();
                if (l != null) lora += l.a().parameterCount() + l.b().parameterCount();
            }
        }
        ModelConfig c = w.config();
        return new ModelFlops(base, lora, c.qDim(), c.numLayers());
    }

    /** Query-key pairs summed over the layers: bidirectional layers see every key of their sequence. */
    long attentionPairs(Batch batch, int bidirectionalFrom) {
        long pairs = 0;
        for (int s = 0; s < batch.size(); s++) {
            long len = batch.length(s);
            int bidirectional = Math.max(0, layers - Math.min(bidirectionalFrom, layers));
            pairs += bidirectional * len * len + (layers - bidirectional) * len * (len + 1) / 2;
        }
        return pairs;
    }

    double forward(Batch batch, int bidirectionalFrom) {
        double t = batch.tokenCount();
        return 2 * t * baseWeights + 2 * t * loraWeights + 4.0 * qDim * attentionPairs(batch, bidirectionalFrom);
    }

    /** The 3 × forward convention. */
    double trainingModel(Batch batch, int bidirectionalFrom) {
        return 3 * forward(batch, bidirectionalFrom);
    }

    /** What the engine runs: forward, recomputed forward, and the backward without base-weight gradients. */
    double trainingExecuted(Batch batch, int bidirectionalFrom) {
        double t = batch.tokenCount();
        double backward = 2 * t * baseWeights + 4 * t * loraWeights + 8.0 * qDim * attentionPairs(batch, bidirectionalFrom);
        return 2 * forward(batch, bidirectionalFrom) + backward;
    }
}
