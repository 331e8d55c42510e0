package dev.bellm.experiments;

import dev.bellm.SharedData;
import dev.bellm.Fixtures;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The degradation probe's truncated model. */
@SharedData
class FirstLayersTest {
    private static final ModelWeights FULL = ModelLoader.load(Fixtures.path("tiny-llama"));
    private static final VectorKernels KERNELS = new VectorKernels(2);

    private static float[] hidden(ModelWeights w, int[] ids, int bidirectionalFrom) {
        return new Transformer(w, KERNELS).hiddenStates(Batch.of(ids), bidirectionalFrom);
    }

    /** All four layers: the full model's hidden states bit for bit, and the fixture oracle's embedding. */
    @Test
    void allLayersAreTheFullModel() {
        ModelWeights all = Sweep.firstLayers(FULL, 4);
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path("expected-tiny-llama.safetensors"));
        for (int i = 0; i < Fixtures.textCount(); i++) {
            int[] ids = Fixtures.ids("plain", i);
            float[] h = hidden(all, ids, Transformer.CAUSAL);
            assertArrayEquals(hidden(FULL, ids, Transformer.CAUSAL), h);
            float[] last = Pooling.LAST.pool(h, Batch.of(ids), 64)[0];
            double err = Fixtures.relativeError(last, expected.doubles("causal-last." + i));
            assertTrue(err < 1e-4, "input " + i + ": relative error " + err);
        }
    }

    /**
     * A layer whose o_proj and down_proj are zero adds nothing to the residual stream, so the full model with
     * layers N.. silenced computes what the first N layers do, through the untouched forward pass.
     */
    @Test
    void firstNLayersAreTheFullModelWithTheRestSilenced() {
        int[] ids = Fixtures.ids("prompt", 1);
        for (int depth = 1; depth < 4; depth++) {
            ModelWeights cut = Sweep.firstLayers(FULL, depth);
            assertEquals(depth, cut.config().numLayers());
            assertEquals(depth, cut.layers().size());
            List<LayerWeights> silenced = new ArrayList<>(FULL.layers());
            for (int l = depth; l < 4; l++) {
                silenced.set(l, silenced.get(l).mapProjections((name, p) ->
                        name.equals("o_proj") || name.equals("down_proj") ? zero(p) : p));
            }
            assertArrayEquals(hidden(FULL.withLayers(silenced), ids, Transformer.CAUSAL), hidden(cut, ids, Transformer.CAUSAL),
                    "depth " + depth);
        }
    }

    private static Linear zero(Linear p) {
        return new Linear(Matrix.of("zero", DType.F32, p.out(), p.in(), new float[p.out() * p.in()]), null, null);
    }

    @Test
    void depthsOutsideTheModelAreRefused() {
        for (int depth : new int[] {0, 5, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sweep.firstLayers(FULL, depth));
            assertTrue(e.getMessage().contains("[1, 4]") && e.getMessage().contains(String.valueOf(depth)), e.getMessage());
        }
    }
}
