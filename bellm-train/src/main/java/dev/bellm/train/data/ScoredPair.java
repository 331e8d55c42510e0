package dev.bellm.train.data;

import java.util.List;

/**
 * AnglE's {@code {"text1", "text2", "label"}} row: two texts and how similar they are. Only the order of
 * labels matters to the ranking losses; the in-batch-negative loss treats a label of 1 as a positive pair.
 */
public record ScoredPair(String text1, String text2, double label) implements Example {
    public ScoredPair {
        ExampleChecks.requireText("text1", text1);
        ExampleChecks.requireText("text2", text2);
        if (!Double.isFinite(label)) throw new IllegalArgumentException("label is " + label + ", not a finite number");
    }

    @Override
    public List<String> texts() {
        return List.of(text1, text2);
    }
}
