package dev.bellm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a SentencePiece {@code precompiled_charsmap} (darts-clone double array over UTF-8 bytes + NUL-terminated
 * replacement pool) from a small table of rules, so tests can run the Precompiled normalizer against the Rust library.
 */
final class Charsmaps {
    private Charsmaps() {}

    private static final class Node {
        final TreeMap<Integer, Node> children = new TreeMap<>();
        int value = -1; // pool offset when a key ends here
    }

    static String build(Map<String, String> rules) {
        ByteArrayOutputStream pool = new ByteArrayOutputStream();
        Node root = new Node();
        for (var rule : rules.entrySet()) {
            Node node = root;
            for (byte b : rule.getKey().getBytes(StandardCharsets.UTF_8)) node = node.children.computeIfAbsent(b & 0xFF, k -> new Node());
            node.value = pool.size();
            pool.writeBytes(rule.getValue().getBytes(StandardCharsets.UTF_8));
            pool.write(0);
        }
        int[] units = new int[1 << 14];
        boolean[] used = new boolean[units.length];
        used[0] = true;
        Arrays.fill(usedBases, false);
        place(root, 0, units, used);
        int length = 0;
        for (int i = 0; i < used.length; i++) if (used[i]) length = i + 1;
        // the Rust reader does not bounds-check: every base's 256 slots must lie inside the array
        for (int b = 0; b < usedBases.length; b++) if (usedBases[b]) length = Math.max(length, (b | 0xFF) + 1);
        ByteBuffer out = ByteBuffer.allocate(4 + 4 * length + pool.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(4 * length);
        for (int i = 0; i < length; i++) out.putInt(units[i]);
        out.put(pool.toByteArray());
        return Base64.getEncoder().encodeToString(out.array());
    }

    /** Places {@code node}'s children (and its leaf value at label 0) under a free base; {@code at} is node's own slot. */
    private static final boolean[] usedBases = new boolean[1 << 21];

    private static synchronized void place(Node node, int at, int[] units, boolean[] used) {
        List<Integer> labels = new ArrayList<>(node.children.keySet());
        boolean leaf = node.value >= 0;
        int base = 1;
        search:
        for (; ; base++) {
            if ((base ^ at) >= (1 << 21)) throw new IllegalStateException("charsmap too large");
            if (usedBases[base] || (leaf && used[base])) continue;
            for (int c : labels) if ((base ^ c) >= units.length || used[base ^ c]) continue search;
            break;
        }
        usedBases[base] = true; // one node per base: a slot's label then names its node unambiguously
        int offset = at ^ base;
        int label = at == 0 ? 0 : units[at] & 0xFF;
        units[at] = (offset << 10) | (leaf ? 1 << 8 : 0) | label;
        if (leaf) {
            used[base] = true;
            units[base] = 0x80000000 | node.value;
        }
        for (int c : labels) {
            used[base ^ c] = true;
            units[base ^ c] = c; // label; offset filled when the child is placed
        }
        for (int c : labels) place(node.children.get(c), base ^ c, units, used);
    }
}
