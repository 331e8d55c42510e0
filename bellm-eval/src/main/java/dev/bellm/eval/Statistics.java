package dev.bellm.eval;

import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Correlations between predicted and gold scores, from commons-math3. Both return NaN when one side is
 * constant (the correlation is undefined then), as scipy does.
 */
public final class Statistics {
    private Statistics() {}

    /** Spearman's rho: Pearson's r of the ranks, tied values sharing the average of their ranks (scipy's convention). */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        return new SpearmansCorrelation(new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE)).correlation(x, y);
    }

    /** Pearson's r. */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        return new PearsonsCorrelation().correlation(x, y);
    }

    private static void check(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("correlation of " + x.length + " against " + y.length + " values; both sides"
                    + " need one value per pair");
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("correlation needs at least 2 pairs, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException("non-finite value at pair " + i + ": " + x[i] + ", " + y[i]);
            }
        }
    }
}
