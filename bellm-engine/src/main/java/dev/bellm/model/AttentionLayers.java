package dev.bellm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which decoder layers attend bidirectionally (no causal mask) and which causally. BeLLM's
 * {@code bidirectional_from = n} (layers {@code l >= n}) is one way to say it; published models say "every layer"
 * ({@code is_causal: false}, {@code use_bidirectional_attention: true}) or "none"; any per-layer mask is allowed.
 *
 * <p>A suffix form ({@link #causal()}, {@link #bidirectional()}, {@link #bidirectionalFrom(int)}) fits any model
 * whose layer count it does not exceed; a {@link #ofLayers mask} fits exactly its own layer count. {@link #check}
 * holds the one rule set, applied wherever a model meets a mask: a first bidirectional layer past the model's last
 * layer is an error, never silently causal.
 */
public final class AttentionLayers {
    private static final int NONE = Integer.MAX_VALUE;
    private static final AttentionLayers CAUSAL = new AttentionLayers(NONE, null);
    private static final AttentionLayers ALL = new AttentionLayers(0, null);

    /** Suffix form: layers {@code >= from} are bidirectional; {@link #NONE} for causal. Unused with a mask. */
    private final int from;
    /** Mask form: {@code mask[l]} is true for a bidirectional layer; null for the suffix form. */
    private final boolean[] mask;

    private AttentionLayers(int from, boolean[] mask) {
        this.from = from;
        this.mask = mask;
    }

    /** Every layer causal: the decoder as pretrained. */
    public static AttentionLayers causal() {
        return CAUSAL;
    }

    /** Every layer bidirectional (gte-Qwen2, LLM2Vec, EmbeddingGemma-style encoders). */
    public static AttentionLayers bidirectional() {
        return ALL;
    }

    /** BeLLM: layers {@code l >= from} bidirectional, the ones below causal. {@code from} must be a layer of the model. */
    public static AttentionLayers bidirectionalFrom(int from) {
        if (from < 0) throw new IllegalArgumentException("bidirectional_from must be >= 0, got " + from);
        return from == 0 ? ALL : new AttentionLayers(from, null);
    }

    /**
     * The written form used by recipes and command lines: a first bidirectional layer ({@code "4"}), {@code "none"}
     * (causal) or {@code "all"}.
     */
    public static AttentionLayers parse(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("none")) return causal();
        if (v.equalsIgnoreCase("all")) return bidirectional();
        try {
            return bidirectionalFrom(Integer.parseInt(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bidirectional_from takes a layer number, 'none' or 'all', got '" + value + "'");
        }
    }

    /** One entry per layer of the model: true where the layer is bidirectional. */
    public static AttentionLayers ofLayers(boolean... bidirectional) {
        if (bidirectional.length == 0) throw new IllegalArgumentException("an attention mask needs one entry per layer, got none");
        return new AttentionLayers(-1, bidirectional.clone());
    }

    /**
     * Checks that this fits a model of {@code numLayers} layers and returns it: a mask must have one entry per layer,
     * and a first bidirectional layer must be a layer of the model ({@code 0 .. numLayers-1}).
     */
    public AttentionLayers check(int numLayers) {
        if (mask != null && mask.length != numLayers) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " entries for a model of " + numLayers + " layers");
        }
        if (mask == null && from != NONE && from >= numLayers) {
            throw new IllegalArgumentException("bidirectional_from " + from + " is past the last layer of this " + numLayers
                    + "-layer model (layers 0.." + (numLayers - 1) + "); use causal() for no bidirectional layer");
        }
        return this;
    }

    /**
     * This mask in the engine's form, checked against {@code numLayers}: the first bidirectional layer, or
     * {@link Transformer#CAUSAL}. The engine runs the top block of layers bidirectionally, so a mask of another shape
     * (a bidirectional layer below a causal one) is refused here.
     */
    public int engineFrom(int numLayers) {
        check(numLayers);
        if (isCausal()) return Transformer.CAUSAL;
        Integer first = bidirectionalFrom();
        if (first == null) {
            throw new IllegalArgumentException("attention " + this + " has a causal layer above a bidirectional one; the engine runs"
                    + " bidirectional layers as one top block (bidirectional_from)");
        }
        return first;
    }

    /** The mask of the engine's {@code bidirectionalFrom} (a value of {@code numLayers} or more, or {@link Transformer#CAUSAL}: causal). */
    public static AttentionLayers fromEngine(int bidirectionalFrom, int numLayers) {
        return bidirectionalFrom >= numLayers ? causal() : bidirectionalFrom(bidirectionalFrom);
    }

    /**
     * The attention of a model made of the first {@code n} layers of one this mask fits (a pruned or distilled
     * student): each kept layer attends as it did, and the result is in the shortest form that says so (causal when
     * no kept layer is bidirectional, a suffix when the kept bidirectional layers are the top ones, else a mask).
     */
    public AttentionLayers firstLayers(int n) {
        if (n <= 0) throw new IllegalArgumentException("a model needs at least one layer, got " + n);
        if (mask != null && n > mask.length) throw new IllegalArgumentException("cannot keep " + n + " layers of a " + mask.length + "-layer mask");
        boolean[] kept = new boolean[n];
        for (int l = 0; l < n; l++) kept[l] = isBidirectional(l);
        AttentionLayers masked = ofLayers(kept);
        if (masked.isCausal()) return CAUSAL;
        Integer first = masked.bidirectionalFrom();
        return first != null ? bidirectionalFrom(first) : masked;
    }

    /** Whether layer {@code layer} attends both ways. */
    public boolean isBidirectional(int layer) {
        return mask != null ? mask[layer] : layer >= from;
    }

    public boolean isCausal() {
        if (mask == null) return from == NONE;
        for (boolean b : mask) if (b) return false;
        return true;
    }

    /**
     * The first bidirectional layer when the bidirectional layers are exactly those from it to the top (the BeLLM form
     * and "every layer", which is 0), or null when the model is causal or the mask has another shape.
     */
    public Integer bidirectionalFrom() {
        if (mask == null) return from == NONE ? null : from;
        int first = 0;
        while (first < mask.length && !mask[first]) first++;
        for (int l = first; l < mask.length; l++) if (!mask[l]) return null;
        return first == mask.length ? null : first;
    }

    /** The bidirectional layers of a model of {@code numLayers} layers, in order. */
    public List<Integer> bidirectionalLayers(int numLayers) {
        check(numLayers);
        List<Integer> layers = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) if (isBidirectional(l)) layers.add(l);
        return layers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionLayers a && a.from == from && Arrays.equals(a.mask, mask);
    }

    @Override
    public int hashCode() {
        return 31 * from + Arrays.hashCode(mask);
    }

    /** {@code causal}, {@code bidirectional}, {@code bidirectional_from N} or the mask as {@code [c, c, b]}. */
    @Override
    public String toString() {
        if (mask != null) {
            StringBuilder sb = new StringBuilder("[");
            for (int l = 0; l < mask.length; l++) sb.append(l == 0 ? "" : ", ").append(mask[l] ? 'b' : 'c');
            return sb.append(']').toString();
        }
        return from == NONE ? "causal" : from == 0 ? "bidirectional" : "bidirectional_from " + from;
    }
}
