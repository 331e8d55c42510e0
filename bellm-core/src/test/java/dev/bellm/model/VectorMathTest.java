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
    void softmaxSumsToOneAndKeepsOrder() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int n : new int[] {1, 3, 8, 17, 100}) {
            float[] a = new float[n + 2];
            double[] ref = new double[n];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, a[i + 1] = (float) (rng.nextGaussian() * 5));
            for (int i = 0; i < n; i++) sum += ref[i] = Math.exp(a[i + 1] - max);
            VectorMath.softmax(a, 1, n);
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += a[i + 1];
                assertEquals(ref[i] / sum, a[i + 1], 1e-6);
            }
            assertEquals(1.0, total, 1e-5);
            assertEquals(0f, a[0]);
            assertEquals(0f, a[n + 1]);
        }
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
