package dev.bellm.model;

/**
 * Sequences packed end to end without padding: sequence s is {@code tokens[offsets[s] .. offsets[s+1])}.
 * Linear layers run over all tokens at once; attention stays inside each sequence.
 *
 * <p>{@code adapters}, when not null, names for each sequence the weights whose LoRA deltas it gets
 * (weights such as {@code PeftAdapter.apply} returns, sharing the transformer's base matrices; null for none): the base
 * GEMM runs once over every token and each sequence adds its own adapter's delta, so one batch can serve
 * many adapters of one base. When null, every sequence gets the LoRA of the transformer's own weights.
 *
 * @param adapters null, or one entry per sequence
 */
public record Batch(int[] tokens, int[] offsets, ModelWeights[] adapters) {
    public Batch {
        if (offsets.length < 2 || offsets[0] != 0 || offsets[offsets.length - 1] != tokens.length) {
            throw new IllegalArgumentException("offsets must run from 0 to the token count " + tokens.length);
        }
        for (int s = 0; s + 1 < offsets.length; s++) {
            if (offsets[s + 1] <= offsets[s]) throw new IllegalArgumentException("sequence " + s + " is empty");
        }
        if (adapters != null && adapters.length != offsets.length - 1) {
            throw new IllegalArgumentException(adapters.length + " adapters for " + (offsets.length - 1) + " sequences");
        }
    }

    public Batch(int[] tokens, int[] offsets) {
        this(tokens, offsets, null);
    }

    public static Batch of(int[]... sequences) {
        int total = 0;
        for (int[] s : sequences) total += s.length;
        int[] tokens = new int[total];
        int[] offsets = new int[sequences.length + 1];
        for (int s = 0; s < sequences.length; s++) {
            System.arraycopy(sequences[s], 0, tokens, offsets[s], sequences[s].length);
            offsets[s + 1] = offsets[s] + sequences[s].length;
        }
        return new Batch(tokens, offsets);
    }

    /** The same sequences, sequence s getting the LoRA deltas of {@code perSequence[s]} (null: none). */
    public Batch withAdapters(ModelWeights... perSequence) {
        return new Batch(tokens, offsets, perSequence.clone());
    }

    public int size() {
        return offsets.length - 1;
    }

    public int tokenCount() {
        return tokens.length;
    }

    public int length(int s) {
        return offsets[s + 1] - offsets[s];
    }

    public int maxLength() {
        int m = 0;
        for (int s = 0; s < size(); s++) m = Math.max(m, length(s));
        return m;
    }
}
