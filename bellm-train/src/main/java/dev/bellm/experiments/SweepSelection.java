package dev.bellm.experiments;

import dev.bellm.embed.Pooling;

import java.util.List;

/**
 * Which configurations a run of the sweep evaluates (rows already in {@code sweep.csv} are skipped). The
 * selection may change between runs on one output folder; the settings that decide the scores may not.
 *
 * @param ks       the numbers of bidirectional top layers to try, each in [0, L]; null for all of 0..L
 * @param poolings poolings to try, in report order
 * @param frozen   evaluate the frozen model for each k and pooling
 * @param trained  train LoRA for each k and pooling, then evaluate
 * @param probe    run the degradation probe: the causal model cut to its first N layers, N = 1..L, frozen
 */
public record SweepSelection(List<Integer> ks, List<Pooling> poolings, boolean frozen, boolean trained, boolean probe) {
    public SweepSelection {
        if (poolings == null || poolings.isEmpty()) throw new IllegalArgumentException("no pooling selected; choose last and/or mean");
        poolings = List.copyOf(poolings.stream().distinct().toList());
        if (ks != null) {
            if (ks.isEmpty()) throw new IllegalArgumentException("no k (number of bidirectional top layers) selected");
            ks = List.copyOf(ks.stream().distinct().sorted().toList());
        }
        if (!frozen && !trained && !probe) throw new IllegalArgumentException("nothing selected: choose frozen, trained and/or the probe");
    }
}
