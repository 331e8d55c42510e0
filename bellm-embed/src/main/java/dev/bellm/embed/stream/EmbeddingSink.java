package dev.bellm.embed.stream;

import java.io.IOException;
import java.util.List;

/** Where a stream of embeddings goes, a batch at a time, in input order. */
public interface EmbeddingSink {
    /** Writes one batch (and flushes it, so a reader downstream sees it now). */
    void write(List<TextRecord> records, float[][] vectors, int[] tokenCounts) throws IOException;

    /** Completes the output (e.g. the .npy header's row count); called once, after the last batch. */
    default void finish() throws IOException {}
}
