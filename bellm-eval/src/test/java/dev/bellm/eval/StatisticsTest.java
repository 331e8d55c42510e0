package dev.bellm.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatisticsTest {
    // x = [1, 2, 2, 4, 5], y = [2, 1, 4, 4, 5]: ties on both sides.
    private static final double[] X = {1, 2, 2, 4, 5};
    private static final double[] Y = {2, 1, 4, 4, 5};

    @Test
    void spearmanGivesTiedValuesTheirAverageRank() {
        // ranks x: [1, 2.5, 2.5, 4, 5]; ranks y: [2, 1, 3.5, 3.5, 5]; both have mean 3.
        // deviations x: [-2, -0.5, -0.5, 1, 2]; y: [-1, -2, 0.5, 0.5, 2]
        // sum of products: 2 + 1 - 0.25 + 0.5 + 4 = 7.25; sums of squares: 9.5 and 9.5
        // rho = 7.25 / 9.5 = 29/38. (Minimum ranks for ties, [1, 2, 2, 4, 5] and [2, 1, 3, 3, 5], would give
        // 7.8 / sqrt(10.8 * 8.8) ≈ 0.800 instead.)
        assertEquals(29.0 / 38.0, Statistics.spearman(X, Y), 1e-12);
    }

    @Test
    void pearsonOfRawValues() {
        // means 2.8 and 3.2; deviations x: [-1.8, -0.8, -0.8, 1.2, 2.2]; y: [-1.2, -2.2, 0.8, 0.8, 1.8]
        // sum of products: 2.16 + 1.76 - 0.64 + 0.96 + 3.96 = 8.2; sums of squares: 10.8 and 10.8
        // r = 8.2 / 10.8 = 41/54
        assertEquals(41.0 / 54.0, Statistics.pearson(X, Y), 1e-12);
    }

    @Test
    void spearmanSeesOnlyOrderWherePearsonSeesLinearity() {
        double[] x = {1, 2, 3, 4};
        double[] cubes = {1, 8, 27, 64};
        assertEquals(1.0, Statistics.spearman(x, cubes), 1e-12);
        assertEquals(-1.0, Statistics.spearman(x, new double[] {64, 27, 8, 1}), 1e-12);
        assertTrue(Statistics.pearson(x, cubes) < 0.99);
    }

    @Test
    void aConstantSideHasNoCorrelation() {
        assertTrue(Double.isNaN(Statistics.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
        assertTrue(Double.isNaN(Statistics.pearson(new double[] {1, 2, 3}, new double[] {5, 5, 5})));
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        var lengths = assertThrows(IllegalArgumentException.class, () -> Statistics.spearman(new double[] {1, 2}, new double[] {1}));
        assertTrue(lengths.getMessage().contains("2 against 1"), lengths.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Statistics.pearson(new double[] {1}, new double[] {1}));
        var nan = assertThrows(IllegalArgumentException.class,
                () -> Statistics.spearman(new double[] {1, Double.NaN, 3}, new double[] {1, 2, 3}));
        assertTrue(nan.getMessage().contains("pair 1"), nan.getMessage());
    }
}
