package dev.bellm.tokenizer.hf;

import java.util.Arrays;

/** A growable list of ints, the token ids of one encoding. */
final class IntList {
    private int[] items;
    private int size;

    IntList(int capacity) {
        items = new int[Math.max(capacity, 4)];
    }

    void add(int value) {
        if (size == items.length) items = Arrays.copyOf(items, items.length * 2);
        items[size++] = value;
    }

    void addAll(int[] values) {
        if (size + values.length > items.length) items = Arrays.copyOf(items, Math.max(items.length * 2, size + values.length));
        System.arraycopy(values, 0, items, size, values.length);
        size += values.length;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
