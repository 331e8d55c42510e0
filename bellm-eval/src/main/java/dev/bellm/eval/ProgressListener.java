package dev.bellm.eval;

/** Told after each chunk of sentences is embedded; lets a front end draw a progress bar. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> {};

    /** {@code done} of {@code total} unique sentences are embedded so far. */
    void onProgress(long done, long total);
}
