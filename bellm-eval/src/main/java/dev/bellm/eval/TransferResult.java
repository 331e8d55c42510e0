package dev.bellm.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One transfer (probing) task, accuracies ×100.
 *
 * @param accuracy    test accuracy (cross-validation tasks: mean over the outer folds)
 * @param devAccuracy validation accuracy of the chosen regularisation (SentEval's "devacc")
 * @param sizes       example counts by role: {@code examples} for cross-validated tasks, else train / dev / test
 */
public record TransferResult(double accuracy, double devAccuracy, Map<String, Integer> sizes) implements TaskResult {
    public TransferResult {
        sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
    }

    @Override
    public double mainScore() {
        return accuracy;
    }
}
