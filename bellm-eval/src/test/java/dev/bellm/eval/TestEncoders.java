package dev.bellm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Encoders for tests: deterministic, cheap, and with properties a test can reason about. */
final class TestEncoders {
    private TestEncoders() {}

    /**
     * Bag of words hashed into {@code dim} buckets with a hashed sign: sentences sharing words get a positive
     * cosine, so cosine tracks word overlap (a weak but real STS baseline).
     */
    static SentenceEncoder bagOfWords(int dim) {
        return sentences -> {
            float[][] out = new float[sentences.size()][dim];
            for (int i = 0; i < out.length; i++) {
                for (String word : sentences.get(i).toLowerCase(Locale.ROOT).split(" ")) {
                    int h = word.hashCode() * 0x9E3779B1;
                    out[i][Math.floorMod(h, dim)] += (h >>> 31) == 0 ? 1 : -1;
                }
            }
            return out;
        };
    }

    /** An independent Gaussian vector per distinct sentence: equal text gives an equal vector, anything else ~orthogonal. */
    static SentenceEncoder randomPerSentence(int dim) {
        return sentences -> {
            float[][] out = new float[sentences.size()][dim];
            for (int i = 0; i < out.length; i++) {
                Random random = new Random(sentences.get(i).hashCode() * 0x9E3779B97F4A7C15L);
                for (int j = 0; j < dim; j++) out[i][j] = (float) random.nextGaussian();
            }
            return out;
        };
    }

    /** Wraps an encoder and keeps every call's sentences. */
    static final class Recording implements SentenceEncoder {
        final SentenceEncoder inner;
        final List<List<String>> calls = new ArrayList<>();

        Recording(SentenceEncoder inner) {
            this.inner = inner;
        }

        @Override
        public float[][] encode(List<String> sentences) {
            calls.add(List.copyOf(sentences));
            return inner.encode(sentences);
        }

        List<String> allSentences() {
            return calls.stream().flatMap(List::stream).toList();
        }
    }
}
