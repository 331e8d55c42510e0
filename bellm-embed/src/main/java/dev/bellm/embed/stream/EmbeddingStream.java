package dev.bellm.embed.stream;

import dev.bellm.embed.Embedder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Embeds an input of any length in bounded memory: reads up to a batch of records, embeds them, hands them to
 * the sink, forgets them. A batch goes out as soon as it is full or the input has nothing more ready (so a slow
 * producer such as {@code tail -f} sees each line's embedding without waiting for a full batch). Output is in
 * input order.
 */
public final class EmbeddingStream {
    /** What to do with a blank text. */
    public enum EmptyTexts {
        /** End the run there: everything before it is written and complete; {@link Result#stoppedAtLine()} says where. */
        STOP,
        /** Leave it out and record its line in {@link Result#skippedLines()}. */
        SKIP
    }

    /**
     * What a run did: texts embedded, lines skipped (blank, with {@link EmptyTexts#SKIP}), the blank line the run
     * stopped at (with {@link EmptyTexts#STOP}; 0 when it read to the end), and texts truncated.
     */
    public record Result(long embedded, List<Long> skippedLines, long stoppedAtLine, long truncated) {
        public boolean stopped() {
            return stoppedAtLine > 0;
        }
    }

    private final Embedder embedder;
    private final int batchSize;
    private final EmptyTexts emptyTexts;

    public EmbeddingStream(Embedder embedder, int batchSize, EmptyTexts emptyTexts) {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        this.embedder = Objects.requireNonNull(embedder);
        this.batchSize = batchSize;
        this.emptyTexts = Objects.requireNonNull(emptyTexts);
    }

    /** Runs to the end of the input (or its first blank text, with STOP); {@code progress} gets the count embedded so far. */
    public Result run(TextRecordReader input, EmbeddingSink sink, LongConsumer progress) throws IOException {
        List<TextRecord> batch = new ArrayList<>(batchSize);
        List<Long> skipped = new ArrayList<>();
        long embedded = 0, truncated = 0, stoppedAt = 0;
        for (TextRecord r; (r = input.next()) != null; ) {
            if (r.text().isBlank()) {
                if (emptyTexts == EmptyTexts.SKIP) {
                    skipped.add(r.line());
                    continue;
                }
                stoppedAt = r.line();
                break;
            }
            batch.add(r);
            if (batch.size() == batchSize || !input.ready()) {
                truncated += embed(batch, sink);
                embedded += batch.size();
                batch.clear();
                progress.accept(embedded);
            }
        }
        if (!batch.isEmpty()) {
            truncated += embed(batch, sink);
            embedded += batch.size();
            progress.accept(embedded);
        }
        sink.finish();
        return new Result(embedded, List.copyOf(skipped), stoppedAt, truncated);
    }

    private int embed(List<TextRecord> batch, EmbeddingSink sink) throws IOException {
        List<String> texts = new ArrayList<>(batch.size());
        for (TextRecord r : batch) texts.add(r.text());
        Embedder.Embeddings e;
        try {
            e = embedder.embed(texts);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("input lines " + batch.getFirst().line() + "-" + batch.getLast().line() + ": " + ex.getMessage(), ex);
        }
        sink.write(batch, e.vectors(), e.tokenCounts());
        return e.truncated();
    }
}
