package dev.bellm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogisticProbeTest {
    /** Small and quick, but the full shape of the protocol: outer folds, inner selection folds, a grid. */
    private static final ProbeOptions QUICK = new ProbeOptions(5, 3, List.of(0.25, 1.0, 4.0), 1111, 2);

    /** {@code n} points in {@code dim} dimensions: Gaussian noise plus {@code separation} along axis (label mod dim). */
    private static float[][] clusters(int[] labels, int dim, double separation, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[labels.length][dim];
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < dim; j++) x[i][j] = (float) random.nextGaussian();
            x[i][labels[i] % dim] += (float) separation;
        }
        return x;
    }

    private static int[] alternating(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % classes;
        return y;
    }

    @Test
    void separableClassesAreLearnedPerfectly() {
        int[] y = alternating(300, 2);
        // class means 20 apart along one axis against unit noise: no point falls on the wrong side
        LogisticProbe.Score s = new LogisticProbe(QUICK).crossValidate(clusters(y, 8, 20, 1), y);
        assertEquals(1.0, s.accuracy(), 1e-12);
        assertEquals(1.0, s.devAccuracy(), 1e-12);
    }

    @Test
    void randomLabelsGiveChance() {
        Random random = new Random(7);
        int[] y = new int[600];
        for (int i = 0; i < y.length; i++) y[i] = random.nextInt(2);
        float[][] x = clusters(new int[600], 16, 0, 3); // features carry no information about y
        LogisticProbe.Score s = new LogisticProbe(QUICK).crossValidate(x, y);
        // 600 test predictions at p = 0.5: sd of the accuracy is 0.02, so [0.40, 0.60] is a 5-sigma band
        assertTrue(s.accuracy() > 0.40 && s.accuracy() < 0.60, "accuracy " + s.accuracy());
    }

    @Test
    void multiClassTrainTestWithSelectionOnTrain() {
        int[] yTrain = alternating(240, 6);
        int[] yTest = alternating(60, 6);
        LogisticProbe.Score s = new LogisticProbe(QUICK)
                .trainTest(clusters(yTrain, 6, 20, 11), yTrain, clusters(yTest, 6, 20, 12), yTest);
        assertEquals(1.0, s.accuracy(), 1e-12);
    }

    @Test
    void trainDevTestUsesTheDevSetToChooseAndReportsTest() {
        int[] yTrain = alternating(200, 2);
        int[] yDev = alternating(50, 2);
        int[] yTest = alternating(80, 2);
        LogisticProbe.Score s = new LogisticProbe(QUICK).trainDevTest(clusters(yTrain, 4, 20, 21), yTrain,
                clusters(yDev, 4, 20, 22), yDev, clusters(yTest, 4, 20, 23), yTest);
        assertEquals(1.0, s.accuracy(), 1e-12);
        assertEquals(1.0, s.devAccuracy(), 1e-12);
    }

    @Test
    void standardisationMakesTheProbeBlindToFeatureScale() {
        // Only feature 0 carries the class, and it is a million times smaller than the three noise features;
        // unstandardised, the L2 penalty on the weight it would need keeps the probe near chance.
        int[] y = alternating(200, 2);
        float[][] x = clusters(new int[200], 4, 0, 5);
        for (int i = 0; i < x.length; i++) {
            x[i][0] = (x[i][0] + 20 * y[i]) * 1e-6f;
            for (int j = 1; j < 4; j++) x[i][j] *= 1000f;
        }
        assertEquals(1.0, new LogisticProbe(QUICK).crossValidate(x, y).accuracy(), 1e-12);
    }

    @Test
    void stratifiedFoldsPartitionAndBalanceTheClasses() {
        int[] labels = new int[103];
        for (int i = 0; i < labels.length; i++) labels[i] = i < 70 ? 0 : 1; // 70 of class 0, 33 of class 1
        int[] fold = LogisticProbe.stratifiedFolds(labels, 10, 1111);
        int[][] counts = new int[10][2];
        for (int i = 0; i < labels.length; i++) counts[fold[i]][labels[i]]++;
        for (int[] c : counts) {
            assertEquals(7, c[0]); // 70 / 10
            assertTrue(c[1] == 3 || c[1] == 4, "class 1 per fold: " + c[1]); // 33 / 10
        }
        assertArrayEquals(fold, LogisticProbe.stratifiedFolds(labels, 10, 1111), "same seed, same folds");
    }

    @Test
    void badInputIsRefused() {
        var probe = new LogisticProbe(QUICK);
        assertThrows(IllegalArgumentException.class, () -> probe.crossValidate(new float[3][2], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> probe.crossValidate(new float[4][2], new int[4])); // fewer than 5 folds
        assertThrows(IllegalArgumentException.class, () -> probe.crossValidate(new float[][] {{1}, {1, 2}, {0}, {1}, {2}, {3}},
                new int[] {0, 1, 0, 1, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> new ProbeOptions(10, 10, List.of(1.0, 0.5), 1, 1));
    }
}
