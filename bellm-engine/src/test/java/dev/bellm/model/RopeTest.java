package dev.bellm.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RoPE's frequencies and layouts, read back as the angle a unit pair turns by from position 0 to 1. */
class RopeTest {
    private static ModelConfig config(int headDim, double theta, RopeScaling scaling, boolean interleaved) {
        return new ModelConfig("llama", headDim, 8, 1, 1, 1, headDim, 10, 16, theta, scaling, interleaved, 1e-5, false, false, false, 1, 2);
    }

    /** The angle pair j (HF layout: elements j and j + d/2) turns by at position 1. */
    private static double angle(Rope rope, int headDim, int j, boolean interleaved) {
        float[] x = new float[headDim];
        int i1 = interleaved ? 2 * j : j, i2 = interleaved ? 2 * j + 1 : j + headDim / 2;
        x[i1] = 1;
        rope.ensure(2);
        rope.rotate(x, 0, 1, 1, false);
        return Math.atan2(x[i2], x[i1]);
    }

    @Test
    void plainFrequenciesAreThetaToTheMinusTwoJOverD() {
        for (boolean interleaved : new boolean[] {false, true}) {
            Rope rope = new Rope(config(8, 10000, null, interleaved));
            for (int j = 0; j < 4; j++) assertEquals(Math.pow(10000, -2.0 * j / 8), angle(rope, 8, j, interleaved), 1e-6);
        }
    }

    /** Llama 3.1's published setting: theta 500000, factor 8, low 1, high 4, original context 8192, head_dim 128. */
    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        RopeScaling s = new RopeScaling(8, 1, 4, 8192);
        Rope scaled = new Rope(config(128, 500000, s, false));
        int half = 64;
        for (int j = 0; j < half; j++) {
            double plain = Math.pow(500000, -2.0 * j / 128);
            double wavelen = 2 * Math.PI / plain;
            double got = angle(scaled, 128, j, false);
            if (wavelen < 8192 / 4.0) assertEquals(plain, got, 1e-6 * plain, "high frequency " + j + " unchanged");
            else if (wavelen > 8192 / 1.0) assertEquals(plain / 8, got, 1e-6 * plain, "low frequency " + j + " divided by 8");
            else assertTrue(got < plain && got > plain / 8, "frequency " + j + " in the band lies between");
        }
    }

    @Test
    void inverseRotationUndoesTheRotation() {
        Rope rope = new Rope(config(8, 10000, null, false));
        rope.ensure(40);
        float[] x = {0.3f, -1.2f, 2f, 0.5f, -0.7f, 1.1f, 0.9f, -2f};
        float[] y = x.clone();
        rope.rotate(y, 0, 1, 37, false);
        rope.rotate(y, 0, 1, 37, true);
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-5);
    }
}
