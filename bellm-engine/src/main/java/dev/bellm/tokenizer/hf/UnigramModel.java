package dev.bellm.tokenizer.hf;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Unigram (SentencePiece): the segmentation of highest total score (Viterbi over every vocabulary piece that matches at
 * each position). A position no one-character piece covers gets an unknown node of score {@code min - 10}; adjacent
 * unknowns fuse, and become byte tokens with {@code byte_fallback}, else {@code unk_id}.
 */
final class UnigramModel implements Model {
    private static final double UNK_PENALTY = 10.0;

    private final Spec spec;
    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids;
    /** Every prefix of every piece, to stop extending a candidate early. */
    private final Set<String> prefixes = new HashSet<>();
    private final int unkId;
    private final boolean byteFallback;
    private final double unkScore;

    UnigramModel(Spec spec, String[] pieces, double[] scores) {
        this.spec = spec;
        this.pieces = pieces;
        this.scores = scores;
        this.ids = new HashMap<>(pieces.length * 2);
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < pieces.length; i++) {
            ids.putIfAbsent(pieces[i], i);
            min = Math.min(min, scores[i]);
            String p = pieces[i];
            for (int end = p.length(); end > 0; end--) {
                if (Character.isLowSurrogate(p.charAt(end - 1)) && end > 1) continue;
                if (!prefixes.add(p.substring(0, end))) break;
            }
        }
        this.unkScore = (pieces.length == 0 ? 0 : min) - UNK_PENALTY;
        Spec unk = spec.get("unk_id");
        if (unk.isNull()) {
            unkId = -1;
        } else {
            unkId = unk.nonNegativeInt();
            if (unkId >= pieces.length) throw unk.error("unk_id " + unkId + " is outside the vocabulary of " + pieces.length);
        }
        this.byteFallback = spec.bool("byte_fallback", false);
    }

    @Override
    public void tokenize(String word, IntList out) {
        int n = word.length();
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] token = new int[n + 1]; // -1: unknown node
        boolean[] reached = new boolean[n + 1];
        reached[0] = true;
        for (int begin = 0; begin < n; begin = next(word, begin)) {
            if (!reached[begin]) continue;
            boolean singleChar = false;
            int firstEnd = next(word, begin);
            for (int end = firstEnd; end <= n; end = next(word, end)) {
                String candidate = word.substring(begin, end);
                if (!prefixes.contains(candidate)) break;
                Integer id = ids.get(candidate);
                if (id != null) {
                    if (end == firstEnd) singleChar = true;
                    relax(best, from, token, reached, begin, end, id, scores[id]);
                }
                if (end == n) break;
            }
            if (!singleChar) relax(best, from, token, reached, begin, firstEnd, -1, unkScore);
        }
        // walk back, then emit front to back with unknown runs fused
        int count = 0;
        int[] starts = new int[n + 1];
        for (int at = n; at > 0; at = from[at]) starts[count++] = at;
        int previousEnd = 0;
        int unknownFrom = -1;
        for (int k = count - 1; k >= 0; k--) {
            int end = starts[k];
            int begin = previousEnd;
            if (token[end] < 0) {
                if (unknownFrom < 0) unknownFrom = begin;
            } else {
                if (unknownFrom >= 0) emitUnknown(word.substring(unknownFrom, begin), out);
                unknownFrom = -1;
                out.add(token[end]);
            }
            previousEnd = end;
        }
        if (unknownFrom >= 0) emitUnknown(word.substring(unknownFrom, n), out);
    }

    private static int next(String s, int i) {
        return i + Character.charCount(s.codePointAt(i));
    }

    private static void relax(double[] best, int[] from, int[] token, boolean[] reached, int begin, int end, int id,
                              double score) {
        double total = best[begin] + score;
        if (!reached[end] || total > best[end]) {
            reached[end] = true;
            best[end] = total;
            from[end] = begin;
            token[end] = id;
        }
    }

    private void emitUnknown(String text, IntList out) {
        Integer id = ids.get(text);
        if (id != null) {
            out.add(id);
            return;
        }
        if (byteFallback) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            int[] byteIds = new int[bytes.length];
            boolean all = true;
            for (int i = 0; i < bytes.length && all; i++) {
                Integer b = ids.get(String.format("<0x%02X>", bytes[i] & 0xFF));
                if (b == null) all = false;
                else byteIds[i] = b;
            }
            if (all) {
                out.addAll(byteIds);
                return;
            }
        }
        if (unkId < 0) throw Model.unknownWithoutUnk(spec, text);
        out.add(unkId);
    }

    @Override public String tokenOf(int id) { return id >= 0 && id < pieces.length ? pieces[id] : null; }
    @Override public Integer idOf(String token) { return ids.get(token); }
    @Override public int maxId() { return pieces.length - 1; }
    @Override public int entries() { return pieces.length; }
}
