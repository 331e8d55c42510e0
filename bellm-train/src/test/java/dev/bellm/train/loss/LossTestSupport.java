package dev.bellm.train.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

/** Finite differences, random batches and tolerance checks shared by the loss tests. */
final class LossTestSupport {
    private LossTestSupport() {}

    /** dL/dx by central differences in double, one coordinate at a time: the oracle for every backward pass. */
    static double[] centralDifferences(Loss loss, double[] x, int rows, int dim, float[] labels) {
        double[] gradient = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1, Math.abs(x[i]));
            probe[i] = x[i] + h;
            double above = loss.forward(probe, rows, dim, labels, null);
            probe[i] = x[i] - h;
            double below = loss.forward(probe, rows, dim, labels, null);
            probe[i] = x[i];
            gradient[i] = (above - below) / (2 * h);
        }
        return gradient;
    }

    /** Standard normal values, fixed by the seed. */
    static double[] gaussian(long seed, int count) {
        Random random = new Random(seed);
        double[] values = new double[count];
        for (int i = 0; i < count; i++) values[i] = random.nextGaussian();
        return values;
    }

    /** |actual − expected| ≤ tolerance · |expected|. */
    static void assertRelative(double expected, double actual, double tolerance, String what) {
        assertTrue(Math.abs(actual - expected) <= tolerance * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual + " (relative error "
                        + Math.abs(actual - expected) / Math.abs(expected) + ", allowed " + tolerance + ")");
    }

    /**
     * Every element within {@code tolerance} of the expected vector's largest magnitude: a gradient is judged
     * against its own scale, since single entries may be arbitrarily close to zero.
     */
    static void assertCloseToScale(double[] expected, double[] actual, double tolerance, String what) {
        assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected " + expected.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        assertTrue(scale > 0, what + ": the expected vector is all zeros, so it cannot judge anything");
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > Math.abs(actual[worst] - expected[worst])) worst = i;
        }
        double error = Math.abs(actual[worst] - expected[worst]) / scale;
        assertTrue(error <= tolerance, what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                + " (error " + error + " of the largest magnitude " + scale + ", allowed " + tolerance + ")");
    }
}
