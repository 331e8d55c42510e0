package dev.bellm.tokenizer.hf;

import java.util.Arrays;

/**
 * Token → id, open addressing over parallel arrays (no boxed entries), with a lookup of the concatenation of two strings
 * that builds no string: merges need {@code vocab[a + b]} for every merge, and the hash of {@code a + b} follows from
 * {@code a}'s cached hash and {@code b}'s characters. A token listed twice keeps its last id, as a JSON map does.
 */
final class Vocab {
    private String[] keys;
    private int[] hashes;
    private int[] ids;
    private int size;
    private int maxId = -1;

    Vocab(int expected) {
        int capacity = Integer.highestOneBit(Math.max(8, expected) * 2 - 1) << 1;
        keys = new String[capacity];
        hashes = new int[capacity];
        ids = new int[capacity];
    }

    private static int spread(int h) {
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    void put(String token, int id) {
        if ((size + 1) * 2 > keys.length) grow();
        int h = token.hashCode();
        int mask = keys.length - 1;
        for (int s = spread(h) & mask; ; s = (s + 1) & mask) {
            if (keys[s] == null) {
                keys[s] = token;
                hashes[s] = h;
                ids[s] = id;
                size++;
                break;
            }
            if (hashes[s] == h && keys[s].equals(token)) {
                ids[s] = id;
                break;
            }
        }
        maxId = Math.max(maxId, id);
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldIds = ids;
        keys = new String[oldKeys.length * 2];
        hashes = new int[keys.length];
        ids = new int[keys.length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != null) put(oldKeys[i], oldIds[i]);
    }

    /** The id of {@code token}, or -1. */
    int get(String token) {
        int h = token.hashCode();
        int mask = keys.length - 1;
        for (int s = spread(h) & mask; ; s = (s + 1) & mask) {
            String k = keys[s];
            if (k == null) return -1;
            if (hashes[s] == h && k.equals(token)) return ids[s];
        }
    }

    /** The id of {@code a + b.substring(bFrom)}, or -1. */
    int getConcat(String a, String b, int bFrom) {
        int h = a.hashCode();
        for (int i = bFrom; i < b.length(); i++) h = 31 * h + b.charAt(i);
        int length = a.length() + b.length() - bFrom;
        int mask = keys.length - 1;
        for (int s = spread(h) & mask; ; s = (s + 1) & mask) {
            String k = keys[s];
            if (k == null) return -1;
            if (hashes[s] == h && k.length() == length && k.startsWith(a) && k.regionMatches(a.length(), b, bFrom, length - a.length())) {
                return ids[s];
            }
        }
    }

    Integer idOf(String token) {
        int id = get(token);
        return id < 0 ? null : id;
    }

    int size() {
        return size;
    }

    int maxId() {
        return maxId;
    }

    /** The id-to-token table; where two tokens share an id, the lexicographically first. */
    String[] invert() {
        String[] tokens = new String[maxId + 1];
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            if (k == null) continue;
            String present = tokens[ids[i]];
            if (present == null || k.compareTo(present) < 0) tokens[ids[i]] = k;
        }
        return tokens;
    }

    @Override
    public String toString() {
        return "Vocab[" + size + " tokens]" + (size == 0 ? Arrays.toString(new int[0]) : "");
    }
}
