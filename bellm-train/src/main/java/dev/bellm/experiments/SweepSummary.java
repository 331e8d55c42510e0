package dev.bellm.experiments;

import dev.bellm.embed.Pooling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The turning points a sweep finds, by the rules below (also written into {@code sweep.md} and {@code sweep.json}).
 *
 * @param layers      L, the model's layer count
 * @param best        the best k of each pooling and training state that has a defined score
 * @param recommended the configuration behind the recommended {@code bidirectionalFrom}; null when no score is defined
 * @param probe       the turning point of the degradation probe for each pooling that has a defined score
 */
public record SweepSummary(int layers, List<Best> best, Best recommended, List<Turn> probe) {
    public static final String BEST_K_RULE = "Best k: for each pooling and training state, the k with the highest score;"
            + " ties go to the smallest k (the fewest layers changed from the pretrained causal model). Undefined (NaN)"
            + " scores never win.";
    public static final String RECOMMENDATION_RULE = "Recommended bidirectional_from: L - k of the best configuration among"
            + " the trained ones (among the frozen ones when nothing was trained): highest score, ties to the smaller k,"
            + " then to the pooling order (last before mean). bidirectional_from = L means causal (no bidirectional layer).";
    public static final String PROBE_RULE = "Probe turning point: the depth N after which the score stops rising, i.e. the"
            + " depth with the highest score, ties to the shallowest. If that is the deepest depth evaluated, the score was"
            + " still rising there and there is no turning point.";

    public SweepSummary {
        best = List.copyOf(best);
        probe = List.copyOf(probe);
    }

    /**
     * The best k of one pooling and training state.
     *
     * @param causalScore the same state's score at k = 0 (NaN when not evaluated), for comparison
     */
    public record Best(Pooling pooling, boolean trained, int k, int bidirectionalFrom, double score, double causalScore) {}

    /**
     * The probe's turning point for one pooling.
     *
     * @param depth        the depth with the highest score (ties to the shallowest)
     * @param deepest      the deepest depth evaluated, and {@code deepestScore} its score
     */
    public record Turn(Pooling pooling, int depth, double score, int deepest, double deepestScore) {
        /** Whether the score stops rising before the deepest depth evaluated. */
        public boolean turns() {
            return depth < deepest;
        }
    }

    /** The summary of {@code rows} of a model with {@code layers} layers. */
    public static SweepSummary of(int layers, List<SweepRow> rows) {
        List<Best> best = new ArrayList<>();
        for (Pooling pooling : Pooling.values()) {
            for (boolean trained : new boolean[] {false, true}) {
                SortedMap<Integer, Double> byK = scores(rows, SweepConfig.Kind.BIDIRECTIONAL, pooling, trained);
                OptionalInt k = bestKey(byK);
                if (k.isPresent()) {
                    best.add(new Best(pooling, trained, k.getAsInt(), layers - k.getAsInt(), byK.get(k.getAsInt()),
                            byK.getOrDefault(0, Double.NaN)));
                }
            }
        }
        boolean anyTrained = best.stream().anyMatch(Best::trained);
        Best recommended = best.stream().filter(b -> b.trained() == anyTrained)
                .min(Comparator.comparingDouble((Best b) -> -b.score()).thenComparingInt(Best::k)
                        .thenComparingInt(b -> b.pooling().ordinal()))
                .orElse(null);
        List<Turn> probe = new ArrayList<>();
        for (Pooling pooling : Pooling.values()) {
            SortedMap<Integer, Double> byDepth = scores(rows, SweepConfig.Kind.TRUNCATED, pooling, false);
            OptionalInt depth = bestKey(byDepth);
            if (depth.isPresent()) {
                int deepest = byDepth.lastKey();
                probe.add(new Turn(pooling, depth.getAsInt(), byDepth.get(depth.getAsInt()), deepest, byDepth.get(deepest)));
            }
        }
        return new SweepSummary(layers, best, recommended, probe);
    }

    /** Score by k (BIDIRECTIONAL) or by depth (TRUNCATED) of the rows of one kind, pooling and training state. */
    public static SortedMap<Integer, Double> scores(List<SweepRow> rows, SweepConfig.Kind kind, Pooling pooling, boolean trained) {
        SortedMap<Integer, Double> byKey = new TreeMap<>();
        for (SweepRow r : rows) {
            SweepConfig c = r.config();
            if (c.kind() == kind && c.pooling() == pooling && c.trained() == trained) {
                byKey.put(kind == SweepConfig.Kind.TRUNCATED ? c.layers() : c.k(), r.score());
            }
        }
        return byKey;
    }

    /**
     * The rule behind every turning point: the key with the highest score, ties to the smallest key; NaN
     * scores are skipped. Empty when no score is defined.
     */
    public static OptionalInt bestKey(SortedMap<Integer, Double> scoreByKey) {
        OptionalInt best = OptionalInt.empty();
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Map.Entry<Integer, Double> e : scoreByKey.entrySet()) {
            double s = e.getValue();
            if (!Double.isNaN(s) && (best.isEmpty() || s > bestScore)) {
                best = OptionalInt.of(e.getKey());
                bestScore = s;
            }
        }
        return best;
    }

    /** The turning points in words, one line each: printed by the CLI and listed in {@code sweep.md}. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (Best b : best) {
            lines.add(String.format(Locale.ROOT, "best k (%s, %s): k=%d (bidirectional_from %d), score %.2f; causal k=0: %s",
                    b.pooling(), state(b.trained()), b.k(), b.bidirectionalFrom(), b.score(), format(b.causalScore())));
        }
        if (recommended != null) {
            lines.add(String.format(Locale.ROOT, "recommended: bidirectional_from %d%s with %s pooling (k=%d, %s, score %.2f)",
                    recommended.bidirectionalFrom(), recommended.k() == 0 ? " (causal)" : "", recommended.pooling(),
                    recommended.k(), state(recommended.trained()), recommended.score()));
        }
        for (Turn t : probe) {
            lines.add(t.turns()
                    ? String.format(Locale.ROOT, "probe (%s): turning point at depth %d: the score peaks there (%.2f) and is %.2f at depth %d",
                    t.pooling(), t.depth(), t.score(), t.deepestScore(), t.deepest())
                    : String.format(Locale.ROOT, "probe (%s): no turning point: the score is highest at the deepest depth evaluated, %d (%.2f)",
                    t.pooling(), t.depth(), t.score()));
        }
        return lines;
    }

    /** The summary as JSON-ready maps, for {@code sweep.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layers", layers);
        m.put("best_k", best.stream().map(SweepSummary::bestMap).toList());
        m.put("recommended", recommended == null ? null : bestMap(recommended));
        m.put("probe", probe.stream().map(t -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("pooling", t.pooling().toString());
            p.put("turning_depth", t.turns() ? t.depth() : null);
            p.put("best_depth", t.depth());
            p.put("best_score", t.score());
            p.put("deepest", t.deepest());
            p.put("deepest_score", t.deepestScore());
            return p;
        }).toList());
        m.put("rules", List.of(BEST_K_RULE, RECOMMENDATION_RULE, PROBE_RULE));
        return m;
    }

    private static Map<String, Object> bestMap(Best b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pooling", b.pooling().toString());
        m.put("trained", b.trained());
        m.put("k", b.k());
        m.put("bidirectional_from", b.bidirectionalFrom());
        m.put("score", b.score());
        m.put("causal_score", Double.isNaN(b.causalScore()) ? null : b.causalScore());
        return m;
    }

    static String state(boolean trained) {
        return trained ? "trained" : "frozen";
    }

    static String format(double score) {
        return Double.isNaN(score) ? "n/a" : String.format(Locale.ROOT, "%.2f", score);
    }
}
