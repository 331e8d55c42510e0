package dev.bellm.embed;

import java.util.List;

/**
 * Texts to vectors: the published surface that integrations (server, LangChain4j, Spring AI, Spark, Lucene) program
 * against. {@link Embedder} is bellm's implementation. Implementations are safe to call from many threads at once and
 * hold resources (threads, mapped weights, a native tokenizer) until {@link #close}.
 */
public interface SentenceEncoder extends AutoCloseable {
    /** Width of the vectors {@link #encode} returns (after dense heads and any Matryoshka cut of the recipe). */
    int dimension();

    /** The recipe this encoder runs. */
    EncoderSpec spec();

    /**
     * One vector per text, in order, under the named prompt ({@code query}, {@code document}, …; null: the recipe's
     * default prompt) cut to {@code dimensions} (null: {@link #dimension()}).
     *
     * @throws EncoderInputException for an input the encoder refuses (too long, empty, unknown prompt, dimensions too large)
     */
    float[][] encode(List<String> texts, String promptName, Integer dimensions);

    default float[][] encode(List<String> texts) {
        return encode(texts, null, null);
    }

    default float[] encode(String text) {
        return encode(List.of(text))[0];
    }

    @Override
    void close();
}
