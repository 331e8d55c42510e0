package dev.bellm.tokenizer.hf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.BitSet;

/**
 * SentencePiece's precompiled normalization rules ({@code precompiled_charsmap}): a darts-clone double-array trie over
 * UTF-8 bytes whose values point into a pool of NUL-terminated replacement strings. The blob is checked when it is
 * loaded (sizes, every reachable trie node and value in bounds, replacements UTF-8), so normalizing cannot fail later.
 *
 * <p>Matching follows the Rust library: each grapheme cluster shorter than 6 bytes is replaced whole by the rule of the
 * <em>shortest</em> key that is a prefix of it; otherwise, and when nothing matches, each character is tried alone.
 */
final class Precompiled {
    private final int[] units;
    private final byte[] pool;

    private Precompiled(int[] units, byte[] pool) {
        this.units = units;
        this.pool = pool;
    }

    static Precompiled of(Spec spec) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(spec.text());
        } catch (IllegalArgumentException e) {
            throw spec.error("is not base64: " + e.getMessage(), e);
        }
        if (blob.length < 4) throw spec.error("is " + blob.length + " bytes; a charsmap starts with a 4-byte trie size");
        ByteBuffer in = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(in.getInt());
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4L) {
            throw spec.error("states a trie of " + trieBytes + " bytes, but a trie is a non-zero multiple of 4 bytes and the"
                    + " charsmap holds " + (blob.length - 4) + " after the size");
        }
        int[] units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) units[i] = in.getInt();
        byte[] pool = new byte[blob.length - 4 - (int) trieBytes];
        in.get(pool);
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(pool));
        } catch (CharacterCodingException e) {
            throw spec.error("its replacement strings are not valid UTF-8", e);
        }
        Precompiled charsmap = new Precompiled(units, pool);
        charsmap.checkReachableNodes(spec);
        return charsmap;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    /** Walks every node a byte string can reach, checking each index and value; bounded by units × 256 steps. */
    private void checkReachableNodes(Spec spec) {
        BitSet seen = new BitSet(units.length);
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        int root = offset(units[0]);
        todo.add(root);
        seen.set(0);
        while (!todo.isEmpty()) {
            int base = todo.poll();
            for (int c = 1; c < 256; c++) {
                int pos = base ^ c;
                if (pos < 0 || pos >= units.length) continue; // a lookup there finds no such label: no match
                int unit = units[pos];
                if (label(unit) != c) continue;
                int next = pos ^ offset(unit);
                if (next < 0 || next >= units.length) throw spec.error("its trie points outside itself (node " + pos + ")");
                if (hasLeaf(unit)) {
                    int v = value(units[next]);
                    if (v >= pool.length) throw spec.error("its trie names replacement " + v + " outside the pool of "
                            + pool.length + " bytes");
                }
                if (!seen.get(next)) {
                    seen.set(next);
                    todo.add(next);
                }
            }
        }
    }

    /** Start in the pool of the replacement of the shortest key that is a prefix of {@code key}, or -1. */
    private int firstPrefixValue(byte[] key, int from, int to) {
        int pos = offset(units[0]);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            if (c == 0) break;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return -1;
            int unit = units[pos];
            if (label(unit) != c) return -1;
            pos ^= offset(unit);
            if (pos < 0 || pos >= units.length) return -1;
            if (hasLeaf(unit)) return value(units[pos]);
        }
        return -1;
    }

    private String replacement(int start) {
        int end = start;
        while (end < pool.length && pool[end] != 0) end++;
        return new String(pool, start, end - start, StandardCharsets.UTF_8);
    }

    String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        BreakIterator graphemes = BreakIterator.getCharacterInstance();
        graphemes.setText(text);
        int start = graphemes.first();
        for (int end = graphemes.next(); end != BreakIterator.DONE; start = end, end = graphemes.next()) {
            String grapheme = text.substring(start, end);
            byte[] bytes = grapheme.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 6) {
                int v = firstPrefixValue(bytes, 0, bytes.length);
                if (v >= 0) {
                    out.append(replacement(v));
                    continue;
                }
            }
            for (int i = 0; i < grapheme.length(); ) {
                int c = grapheme.codePointAt(i);
                int n = Character.charCount(c);
                byte[] one = grapheme.substring(i, i + n).getBytes(StandardCharsets.UTF_8);
                int v = firstPrefixValue(one, 0, one.length);
                if (v >= 0) out.append(replacement(v));
                else out.appendCodePoint(c);
                i += n;
            }
        }
        return out.toString();
    }
}
