package dev.bellm.eval;

import java.util.List;

/**
 * How the logistic-regression probes are fitted.
 *
 * @param folds          outer cross-validation folds for MR, CR, SUBJ, MPQA (SentEval: 10)
 * @param selectionFolds folds of the cross-validation that chooses C: inside each outer training part, and on the
 *                       training set of TREC and MRPC (SentEval: 10)
 * @param cGrid          the inverse regularisation strengths tried, ascending; ties go to the smaller C
 * @param seed           seeds the shuffles of the stratified fold splits
 * @param threads        how many fits run at once while C is chosen
 */
public record ProbeOptions(int folds, int selectionFolds, List<Double> cGrid, long seed, int threads) {
    /** SentEval's grid {@code [2^t for t in range(-2, 4)]}. */
    public static final List<Double> SENTEVAL_C_GRID = List.of(0.25, 0.5, 1.0, 2.0, 4.0, 8.0);
    /** SentEval's default seed. */
    public static final long SENTEVAL_SEED = 1111;

    public ProbeOptions {
        if (folds < 2 || selectionFolds < 2) {
            throw new IllegalArgumentException("folds (" + folds + ") and selection folds (" + selectionFolds + ") must be at least 2");
        }
        if (cGrid == null || cGrid.isEmpty()) throw new IllegalArgumentException("the C grid is empty");
        cGrid = List.copyOf(cGrid);
        for (int i = 0; i < cGrid.size(); i++) {
            if (!(cGrid.get(i) > 0) || Double.isInfinite(cGrid.get(i)) || (i > 0 && cGrid.get(i) <= cGrid.get(i - 1))) {
                throw new IllegalArgumentException("the C grid " + cGrid + " must be positive, finite and ascending");
            }
        }
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
    }

    /** SentEval's protocol: 10 outer folds, 10 selection folds, C in 2^-2..2^3, seed 1111; one thread per core. */
    public static ProbeOptions sentEval() {
        return new ProbeOptions(10, 10, SENTEVAL_C_GRID, SENTEVAL_SEED, Runtime.getRuntime().availableProcessors());
    }
}
