package dev.bellm.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything one evaluation run reports.
 *
 * @param model    the model's name as the caller gives it
 * @param settings how the caller built the encoder (prompt, pooling, adapter...), written as given
 * @param protocol how the evaluation was done (similarity, splits, text handling, classifier...)
 * @param tasks    results by task name ({@link StsTask#resultName}, {@link TransferTask#resultName}), in run order
 */
public record EvalResults(String model, Map<String, Object> settings, Map<String, Object> protocol,
                          Map<String, TaskResult> tasks) {
    public EvalResults {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        protocol = Collections.unmodifiableMap(new LinkedHashMap<>(protocol));
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    }

    /** The mean of the tasks' main scores (the paper's "Avg."); NaN when there are none or one is undefined. */
    public double avg() {
        return tasks.values().stream().mapToDouble(TaskResult::mainScore).average().orElse(Double.NaN);
    }
}
