package dev.bellm.model;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorMathTest {
    @Test
    void expMatchesMathExpToFloatPrecisionOverTheSoftmaxRange() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        double worst = 0;
        for (float x = -90f; x <= 0f; x += 0.00731f) {
            float[] in = new float[lanes];
            java.util.Arrays.fill(in, x);
            float got = VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, in, 0)).lane(0);
            double want = Math.exp(x);
            if (x < -87f) assertEquals(0f, got);
            else worst = Math.max(worst, Math.abs(got - want) / want);
        }
        assertTrue(worst < 5e-7, "worst relative error " + worst);
    }

    @Test
    void softmaxSumsToOneAndZeroesThePadding() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int n : new int[] {1, 3, 8, 17, 100}) {
            int padded = VectorMath.padded(n);
            assertTrue(padded >= n && padded % FloatVector.SPECIES_PREFERRED.length() == 0 && padded - n < 16, "padded " + padded);
            float[] a = new float[padded + 1];
            java.util.Arrays.fill(a, n, padded, 1e6f); // whatever the scores left there
            double[] ref = new double[n];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, a[i] = (float) (rng.nextGaussian() * 5));
            for (int i = 0; i < n; i++) sum += ref[i] = Math.exp(a[i] - max);
            a[padded] = 7f;
            VectorMath.softmax(a, n);
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += a[i];
                assertEquals(ref[i] / sum, a[i], 1e-6);
            }
            assertEquals(1.0, total, 1e-5);
            for (int i = n; i < padded; i++) assertEquals(0f, a[i], "padding " + i);
            assertEquals(7f, a[padded], "past the padding");
        }
    }

    /** Scores against keys stored transposed: q·k_j·scale for the n keys. */
    @Test
    void scoresAreScaledDotProductsWithTheKeys() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int hd : new int[] {2, 6, 8, 64}) {
            for (int n : new int[] {1, 7, 9, 33, 70}) {
                int width = VectorMath.padded(n) + 8;
                float[] q = gaussians(hd + 3, rng), kt = gaussians(hd * width, rng);
                float[] p = new float[VectorMath.padded(n)];
                float scale = 0.3f;
                VectorMath.scores(q, 3, scale, kt, width, hd, p, n);
                for (int j = 0; j < n; j++) {
                    double dot = 0, magnitude = 0;
                    for (int c = 0; c < hd; c++) {
                        dot += (double) q[3 + c] * scale * kt[c * width + j];
                        magnitude += Math.abs((double) q[3 + c] * scale * kt[c * width + j]);
                    }
                    assertEquals(dot, p[j], 1e-6 * magnitude, "hd " + hd + ", n " + n + ", key " + j);
                }
            }
        }
    }

    @Test
    void weightedSumAddsTheValueRowsByWeight() {
        SplittableRandom rng = new SplittableRandom(6);
        for (int hd : new int[] {2, 6, 8, 12, 40, 64, 128}) {
            for (int n : new int[] {1, 5, 33}) {
                int stride = hd + 5;
                float[] p = gaussians(n, rng), v = gaussians(2 + n * stride, rng), out = new float[hd + 4];
                out[hd + 1] = 9f;
                VectorMath.weightedSum(p, n, v, 2, stride, hd, out, 1);
                for (int c = 0; c < hd; c++) {
                    double sum = 0, magnitude = 0;
                    for (int j = 0; j < n; j++) {
                        sum += (double) p[j] * v[2 + j * stride + c];
                        magnitude += Math.abs((double) p[j] * v[2 + j * stride + c]);
                    }
                    assertEquals(sum, out[1 + c], 1e-6 * magnitude, "hd " + hd + ", n " + n + ", column " + c);
                }
                assertEquals(0f, out[0]);
                assertEquals(9f, out[hd + 1]);
            }
        }
    }

    private static float[] gaussians(int n, SplittableRandom rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    @Test
    void dotAndAxpyAgreeWithPlainLoops() {
        SplittableRandom rng = new SplittableRandom(2);
        for (int n : new int[] {0, 1, 7, 8, 9, 31, 64}) {
            float[] a = new float[n + 3], b = new float[n + 5];
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian();
            double dot = 0;
            for (int i = 0; i < n; i++) dot += a[3 + i] * b[5 + i];
            assertEquals(dot, VectorMath.dot(a, 3, b, 5, n), 1e-4);
            float[] y = b.clone();
            VectorMath.axpy(0.5f, a, 3, y, 5, n);
            for (int i = 0; i < n; i++) assertEquals(b[5 + i] + 0.5f * a[3 + i], y[5 + i], 1e-6);
        }
    }
}
