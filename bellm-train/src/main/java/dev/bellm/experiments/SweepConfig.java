package dev.bellm.experiments;

import dev.bellm.embed.Pooling;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration of a sweep: how many layers the model runs, how many of its top layers attend both ways,
 * how the hidden states are pooled, and whether LoRA was trained first.
 *
 * @param kind    {@link Kind#BIDIRECTIONAL}: the whole model with its top {@code k} layers bidirectional;
 *                {@link Kind#TRUNCATED}: the degradation probe, the model cut to its first {@code layers} layers
 * @param layers  how many layers run: all of the model's for BIDIRECTIONAL, the depth N for TRUNCATED
 * @param k       how many top layers attend bidirectionally; 0 is the causal model (always 0 for TRUNCATED)
 * @param trained evaluated after LoRA training (BIDIRECTIONAL only) rather than frozen
 */
public record SweepConfig(Kind kind, int layers, int k, Pooling pooling, boolean trained) {
    /** The two experiments of the sweep, named as in {@code sweep.csv}. */
    public enum Kind {
        BIDIRECTIONAL, TRUNCATED;

        public static Kind parse(String name) {
            try {
                return valueOf(name.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown sweep kind '" + name + "'; expected bidirectional or truncated");
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SweepConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(pooling, "pooling");
        if (layers < 1) throw new IllegalArgumentException("a configuration needs at least one layer, got " + layers);
        if (k < 0 || k > layers) throw new IllegalArgumentException("k (bidirectional top layers) must be in [0, " + layers + "], got " + k);
        if (kind == Kind.TRUNCATED && (k != 0 || trained)) {
            throw new IllegalArgumentException("the truncation probe is causal and frozen, got k " + k + (trained ? ", trained" : ""));
        }
    }

    /** The first bidirectional layer, {@code layers − k}; equal to {@code layers} (no layer) for the causal model. */
    public int bidirectionalFrom() {
        return layers - k;
    }

    /** The subfolder of {@code runs/} that holds this configuration's training run, e.g. {@code k2-mean}. */
    public String runName() {
        return "k" + k + "-" + pooling;
    }

    /** A short label for progress lines, e.g. {@code k=2 mean trained} or {@code depth 3 last}. */
    public String label() {
        return kind == Kind.TRUNCATED ? "depth " + layers + " " + pooling
                : "k=" + k + " " + pooling + (trained ? " trained" : " frozen");
    }
}
