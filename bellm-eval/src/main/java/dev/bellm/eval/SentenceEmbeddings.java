package dev.bellm.eval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The embedding of every unique sentence of an evaluation run, each computed exactly once. Sentences are
 * sent to the encoder in chunks, shortest first, so a batching encoder pads little; the listener hears
 * after each chunk.
 */
public final class SentenceEmbeddings {
    private final Map<String, float[]> byText;
    private final int dimension;

    private SentenceEmbeddings(Map<String, float[]> byText, int dimension) {
        this.byText = byText;
        this.dimension = dimension;
    }

    /**
     * Embeds the distinct strings of {@code sentences} with {@code encoder}, {@code chunkSize} at a time.
     *
     * @throws IllegalStateException when the encoder returns the wrong number of vectors, vectors of differing
     *                               lengths, or non-finite values
     */
    public static SentenceEmbeddings encode(SentenceEncoder encoder, Collection<String> sentences, int chunkSize,
                                            ProgressListener progress) {
        if (chunkSize <= 0) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        List<String> unique = new ArrayList<>(new LinkedHashSet<>(sentences));
        unique.sort(Comparator.comparingInt(String::length)); // stable: equal lengths keep first-seen order
        Map<String, float[]> byText = HashMap.newHashMap(unique.size());
        int dimension = -1;
        for (int start = 0; start < unique.size(); start += chunkSize) {
            List<String> chunk = List.copyOf(unique.subList(start, Math.min(unique.size(), start + chunkSize)));
            float[][] vectors = encoder.encode(chunk);
            if (vectors == null || vectors.length != chunk.size()) {
                throw new IllegalStateException("the encoder returned " + (vectors == null ? "null" : vectors.length + " vectors")
                        + " for a chunk of " + chunk.size() + " sentences; it must return one vector per sentence");
            }
            for (int i = 0; i < vectors.length; i++) {
                float[] v = vectors[i];
                String sentence = chunk.get(i);
                if (v == null || v.length == 0) {
                    throw new IllegalStateException("the encoder returned no vector for '" + sentence + "'");
                }
                if (dimension < 0) dimension = v.length;
                if (v.length != dimension) {
                    throw new IllegalStateException("the encoder returned a " + v.length + "-dimensional vector for '" + sentence
                            + "' after " + dimension + "-dimensional ones");
                }
                for (float x : v) {
                    if (!Float.isFinite(x)) {
                        throw new IllegalStateException("the encoder returned a non-finite value (" + x + ") in the vector for '"
                                + sentence + "'");
                    }
                }
                byText.put(sentence, v);
            }
            progress.onProgress(start + chunk.size(), unique.size());
        }
        return new SentenceEmbeddings(byText, dimension);
    }

    /** The vector of {@code sentence}, which must have been among those encoded. */
    public float[] get(String sentence) {
        float[] v = byText.get(sentence);
        if (v == null) throw new IllegalArgumentException("'" + sentence + "' was not among the sentences embedded");
        return v;
    }

    /** How many unique sentences were embedded. */
    public int size() {
        return byText.size();
    }

    /** The embedding width, or -1 when nothing was embedded. */
    public int dimension() {
        return dimension;
    }

    /** Cosine similarity in double precision; 0 when either vector is all zeros (no direction to compare). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cosine of vectors of length " + a.length + " and " + b.length);
        }
        double dot = 0, normA = 0, normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) return 0;
        return dot / Math.sqrt(normA * normB);
    }
}
