package dev.bellm.model;

/** Keys (after RoPE) and values of one sequence's past tokens, per layer, for step-by-step generation. */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int capacity;
    int length;

    KvCache(ModelConfig config, int capacity) {
        this.capacity = capacity;
        keys = new float[config.numLayers()][capacity * config.kvDim()];
        values = new float[config.numLayers()][capacity * config.kvDim()];
    }

    /** Tokens seen so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }
}
