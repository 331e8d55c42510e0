package dev.bellm.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpsTest {

    /**
     * Shapes around the register block (4 rows × 16 columns) and the 32-row pass: tails in n, k and m, the LoRA
     * shapes (k = rank 32; n = rank 32 with k = hidden), and m = 1.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @CsvSource({"1,1,1", "1,4,16", "3,5,17", "31,8,32", "33,32,64", "70,6,21", "65,32,172", "40,172,32", "100,13,47"})
    void weightGradientAddsScaledOuterProductsInOrder(int m, int n, int k) {
        SplittableRandom rng = new SplittableRandom(31L * m + 7L * n + k);
        float[] dy = gaussians(m * n, rng), x = gaussians(m * k, rng), initial = gaussians(n * k, rng);
        float scale = 0.75f;
        float[] dw = initial.clone();
        Ops.weightGradient(dy, x, m, n, k, scale, dw);
        float[] byRanges = initial.clone(); // rows in two ranges, the first not a multiple of the 4-row blocks
        int split = Math.min(n, 5);
        Ops.weightGradient(dy, x, m, n, k, scale, byRanges, split, n);
        Ops.weightGradient(dy, x, m, n, k, scale, byRanges, 0, split);
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < k; c++) {
                // the contract: (scale·dy)·x added with t increasing, one rounding per multiply and per add
                float inOrder = initial[j * k + c];
                double exact = initial[j * k + c], magnitude = Math.abs(exact);
                for (int t = 0; t < m; t++) {
                    float g = scale * dy[t * n + j];
                    inOrder += g * x[t * k + c];
                    exact += (double) scale * dy[t * n + j] * x[t * k + c];
                    magnitude += Math.abs((double) scale * dy[t * n + j] * x[t * k + c]);
                }
                String where = "dw[" + j + ", " + c + "]";
                assertEquals(Float.floatToIntBits(inOrder), Float.floatToIntBits(dw[j * k + c]), where + " bits");
                assertEquals(Float.floatToIntBits(inOrder), Float.floatToIntBits(byRanges[j * k + c]), where + " by ranges");
                assertEquals(exact, dw[j * k + c], 1e-6 * magnitude + 1e-30, where);
            }
        }
    }

    /** The mask is the one SplittableRandom draws, one nextDouble() per element, for any length and seed. */
    @ParameterizedTest(name = "p={0} seed={1}")
    @CsvSource({"0.1,0", "0.1,-7", "0.5,42000031", "0.9,9223372036854775807", "0.0000001,5"})
    void dropoutDrawsTheMaskOfSplittableRandom(double p, long seed) {
        for (int n : new int[] {0, 1, 3, 4, 5, 17, 1000}) {
            float[] x = gaussians(n, new SplittableRandom(n));
            float[] out = new float[n], scale = new float[n];
            Ops.dropout(x, n, p, seed, out, scale);
            SplittableRandom rng = new SplittableRandom(seed);
            float keep = (float) (1 / (1 - p));
            for (int i = 0; i < n; i++) {
                float expected = rng.nextDouble() < p ? 0f : keep;
                assertEquals(expected, scale[i], "scale[" + i + "] of " + n);
                assertEquals(Float.floatToIntBits(x[i] * expected), Float.floatToIntBits(out[i]), "out[" + i + "] of " + n);
            }
        }
    }

    /** SwiGLU and its backward against the formulas in double precision, gates from −100 to 100. */
    @Test
    void swigluMatchesItsFormulas() {
        int n = 203;
        SplittableRandom rng = new SplittableRandom(3);
        float[] gate = gaussians(n, rng), up = gaussians(n, rng), dout = gaussians(n, rng);
        for (int i = 0; i < n; i++) gate[i] *= i < 8 ? 100 : 4; // the first ones saturate σ at 0 or 1
        float[] dgate0 = gaussians(n, rng), dup0 = gaussians(n, rng);
        float[] out = new float[n], dgate = dgate0.clone(), dup = dup0.clone();
        Ops.swigluForward(gate, up, out, 0, n);
        Ops.swigluBackward(dout, gate, up, dgate, dup, 0, n);
        for (int i = 0; i < n; i++) {
            double g = gate[i], sig = 1 / (1 + Math.exp(-g)), silu = g * sig;
            assertEquals(silu * up[i], out[i], 1e-6 * Math.abs(silu * up[i]) + 1e-30, "out[" + i + "], gate " + g);
            double dupExact = dup0[i] + dout[i] * silu;
            assertEquals(dupExact, dup[i], 1e-6 * (Math.abs(dup0[i]) + Math.abs(dout[i] * silu)), "dup[" + i + "]");
            double dgateTerm = dout[i] * up[i] * sig * (1 + g * (1 - sig));
            assertEquals(dgate0[i] + dgateTerm, dgate[i], 1e-6 * (Math.abs(dgate0[i]) + Math.abs(dgateTerm)), "dgate[" + i + "]");
        }
    }

    /** An element gets the same bits whether it falls in a whole vector or in the range's last, partial one. */
    @Test
    void swigluGivesAnElementTheSameBitsAnywhereInTheRange() {
        int n = 37;
        SplittableRandom rng = new SplittableRandom(4);
        float[] gate = gaussians(n, rng), up = gaussians(n, rng), dout = gaussians(n, rng);
        float[] whole = new float[n], dgateWhole = new float[n], dupWhole = new float[n];
        Ops.swigluForward(gate, up, whole, 0, n);
        Ops.swigluBackward(dout, gate, up, dgateWhole, dupWhole, 0, n);
        for (int from : new int[] {1, 3, 5, 30}) {
            for (int to : new int[] {n - 2, n}) {
                float[] part = new float[n], dgate = new float[n], dup = new float[n];
                Ops.swigluForward(gate, up, part, from, to);
                Ops.swigluBackward(dout, gate, up, dgate, dup, from, to);
                for (int i = 0; i < n; i++) {
                    boolean inside = i >= from && i < to;
                    String where = "[" + from + ", " + to + ") element " + i;
                    assertEquals(inside ? Float.floatToIntBits(whole[i]) : 0, Float.floatToIntBits(part[i]), "out " + where);
                    assertEquals(inside ? Float.floatToIntBits(dgateWhole[i]) : 0, Float.floatToIntBits(dgate[i]), "dgate " + where);
                    assertEquals(inside ? Float.floatToIntBits(dupWhole[i]) : 0, Float.floatToIntBits(dup[i]), "dup " + where);
                }
            }
        }
    }

    private static float[] gaussians(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }
}
