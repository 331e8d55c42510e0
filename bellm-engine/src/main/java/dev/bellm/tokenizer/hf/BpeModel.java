package dev.bellm.tokenizer.hf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding as the Rust library runs it: the word's characters become symbols (with
 * {@code continuing_subword_prefix} / {@code end_of_word_suffix}, byte fallback or the unk token for characters outside
 * the vocabulary), then the adjacent pair of lowest merge rank is merged, leftmost first, until no pair has a merge.
 * Merges live in an open-addressing table keyed by the two ids; results are cached per word (bounded).
 */
final class BpeModel implements Model {
    private static final int CACHE_LIMIT = 100_000;
    private static final int CACHED_WORD_MAX_CHARS = 256;

    private final Spec spec;
    private final Vocab vocab;
    private final String[] tokens;
    private final MergeTable merges;
    private final String unk;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    /** Ids of the byte-fallback tokens {@code <0x00>}..{@code <0xFF>}; -1 where the vocabulary lacks one. */
    private final int[] byteTokenIds = new int[256];
    /** Ids of the one-character (BMP) tokens, -1 for none: most initial symbols are looked up here. */
    private final int[] charIds = new int[1 << 16];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param mergeLeft  merges' first parts, in rank order
     * @param mergeRight merges' second parts
     */
    BpeModel(Spec spec, Vocab vocab, String[] mergeLeft, String[] mergeRight) {
        this.spec = spec;
        this.vocab = vocab;
        this.tokens = vocab.invert();
        this.unk = spec.text("unk_token", null);
        this.fuseUnk = spec.bool("fuse_unk", false);
        this.byteFallback = spec.bool("byte_fallback", false);
        this.ignoreMerges = spec.bool("ignore_merges", false);
        this.prefix = spec.text("continuing_subword_prefix", "");
        this.suffix = spec.text("end_of_word_suffix", "");
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.get(String.format("<0x%02X>", b));
        }
        Arrays.fill(charIds, -1);
        String[] byId = tokens;
        for (int id = 0; id < byId.length; id++) {
            if (byId[id] != null && byId[id].length() == 1) charIds[byId[id].charAt(0)] = vocab.get(byId[id]);
        }
        this.merges = new MergeTable(mergeLeft.length);
        for (int rank = 0; rank < mergeLeft.length; rank++) {
            String a = mergeLeft[rank], b = mergeRight[rank];
            int aId = vocab.get(a), bId = vocab.get(b);
            if (aId < 0) throw mergeError(rank, "merge part '" + a + "' is not in model.vocab");
            if (bId < 0) throw mergeError(rank, "merge part '" + b + "' is not in model.vocab");
            if (!prefix.isEmpty() && !b.startsWith(prefix)) {
                throw mergeError(rank, "merge part '" + b + "' does not start with the continuing_subword_prefix '" + prefix + "'");
            }
            int newId = vocab.getConcat(a, b, prefix.length());
            if (newId < 0) throw mergeError(rank, "the merged token '" + a + b.substring(prefix.length()) + "' is not in model.vocab");
            merges.put(aId, bId, rank, newId);
        }
    }

    private dev.bellm.io.CheckpointException mergeError(int rank, String message) {
        return spec.get("merges").atPath(rank).error(message);
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (ignoreMerges) {
            int whole = vocab.get(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        boolean cacheable = word.length() <= CACHED_WORD_MAX_CHARS;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        int[] ids = merge(symbols(word));
        if (cacheable) {
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    /** The initial symbols: one per character (or per byte with byte fallback), unknowns as unk (fused if asked). */
    private IntList symbols(String word) {
        IntList symbols = new IntList(word.length() + 2);
        boolean previousUnk = false;
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            int end = i + Character.charCount(c);
            boolean affixed = (i > 0 && !prefix.isEmpty()) || (end == word.length() && !suffix.isEmpty());
            int id;
            if (!affixed && end == i + 1) {
                id = charIds[word.charAt(i)];
            } else {
                String piece = word.substring(i, end);
                if (i > 0 && !prefix.isEmpty()) piece = prefix + piece;
                if (end == word.length() && !suffix.isEmpty()) piece = piece + suffix;
                id = vocab.get(piece);
            }
            if (id >= 0) {
                symbols.add(id);
                previousUnk = false;
            } else if (byteFallback && addBytes(word.substring(i, end), symbols)) {
                previousUnk = false;
            } else {
                if (unk == null) throw Model.unknownWithoutUnk(spec, word.substring(i, end));
                int unkId = vocab.get(unk);
                if (unkId < 0) throw Model.unkNotInVocab(spec, unk);
                if (!(fuseUnk && previousUnk)) symbols.add(unkId);
                previousUnk = true;
            }
            i = end;
        }
        return symbols;
    }

    private boolean addBytes(String character, IntList symbols) {
        byte[] bytes = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteTokenIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) symbols.add(byteTokenIds[b & 0xFF]);
        return true;
    }

    /** Merges the lowest-ranked adjacent pair, leftmost first, until none has a merge. */
    private int[] merge(IntList initial) {
        int[] id = initial.toArray();
        int n = id.length;
        if (n < 2) return id;
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        boolean[] gone = new boolean[n];
        // heap of (rank << 32 | position): lowest rank first, then leftmost
        long[] heap = new long[n];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.get(id[i], id[i + 1]);
            if (m >= 0) size = push(heap, size, (m & 0xFFFFFFFF00000000L) | i);
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (gone[pos] || next[pos] < 0) continue;
            int right = next[pos];
            long m = merges.get(id[pos], id[right]);
            if (m < 0 || (int) (m >>> 32) != rank) continue;
            id[pos] = (int) m;
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) {
                long left = merges.get(id[prev[pos]], id[pos]);
                if (left >= 0) {
                    if (size == heap.length) heap = Arrays.copyOf(heap, heap.length * 2);
                    size = push(heap, size, (left & 0xFFFFFFFF00000000L) | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                long after = merges.get(id[pos], id[next[pos]]);
                if (after >= 0) {
                    if (size == heap.length) heap = Arrays.copyOf(heap, heap.length * 2);
                    size = push(heap, size, (after & 0xFFFFFFFF00000000L) | pos);
                }
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) out.add(id[i]);
        return out.toArray();
    }

    private static int push(long[] heap, int size, long value) {
        int i = size++;
        heap[i] = value;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= heap[i]) break;
            long t = heap[parent]; heap[parent] = heap[i]; heap[i] = t;
            i = parent;
        }
        return size;
    }

    private static int pop(long[] heap, int size) {
        size--;
        heap[0] = heap[size];
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, smallest = i;
            if (l < size && heap[l] < heap[smallest]) smallest = l;
            if (r < size && heap[r] < heap[smallest]) smallest = r;
            if (smallest == i) return size;
            long t = heap[smallest]; heap[smallest] = heap[i]; heap[i] = t;
            i = smallest;
        }
    }

    @Override public String tokenOf(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }
    @Override public Integer idOf(String token) { return vocab.idOf(token); }
    @Override public int maxId() { return tokens.length - 1; }
    @Override public int entries() { return vocab.size(); }

    /** (left id, right id) → (rank, merged id), open addressing over longs; a pair listed twice keeps its last rank, as in the Rust library. */
    private static final class MergeTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        MergeTable(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, -1L);
            mask = capacity - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void put(int a, int b, int rank, int newId) {
            long k = key(a, b);
            for (int s = slot(k); ; s = (s + 1) & mask) {
                if (keys[s] == k || keys[s] == -1L) {
                    keys[s] = k;
                    values[s] = ((long) rank << 32) | (newId & 0xFFFFFFFFL);
                    return;
                }
            }
        }

        /** (rank << 32 | merged id), or -1 when the pair has no merge. */
        long get(int a, int b) {
            long k = key(a, b);
            for (int s = slot(k); ; s = (s + 1) & mask) {
                long found = keys[s];
                if (found == k) return values[s];
                if (found == -1L) return -1;
            }
        }
    }
}
