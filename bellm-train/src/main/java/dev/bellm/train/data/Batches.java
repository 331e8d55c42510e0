package dev.bellm.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Splits a training set into the batches of one epoch, as the AnglE collator does with
 * {@code filter_duplicate}: a batch never holds the same text twice, because a repeated text would be its
 * own in-batch negative.
 */
public final class Batches {
    private Batches() {}

    /**
     * The batches of epoch {@code epoch}: {@code data} is shuffled, then each batch is filled in order. An
     * example with a text already in the current batch is skipped and <em>deferred</em>: it waits, in order,
     * and is offered to the next batch before any example not yet seen. Nothing is lost: every example lands in
     * exactly one batch. Batches are full except where deferrals or the end of the data leave them short.
     *
     * <p>The shuffle is {@link Collections#shuffle(List, java.util.random.RandomGenerator)} with
     * {@code new SplittableRandom(new SplittableRandom(seed).nextLong() + epoch)}: the seed is mixed once so that
     * the epochs of one seed, and neighbouring seeds, give unrelated orders. Same seed and epoch, same batches.
     *
     * <p>Examples sharing texts with many others can stay deferred for a while; each batch looks at all deferred
     * examples, so the cost grows with their number.
     */
    public static List<List<Example>> of(List<? extends Example> data, int batchSize, long seed, int epoch) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
        List<Example> order = new ArrayList<>(data);
        Collections.shuffle(order, new SplittableRandom(new SplittableRandom(seed).nextLong() + epoch));

        List<List<Example>> batches = new ArrayList<>();
        List<Example> deferred = new ArrayList<>();
        int next = 0;
        // Each round adds at least one example: the first one offered always fits into the empty batch.
        while (next < order.size() || !deferred.isEmpty()) {
            List<Example> batch = new ArrayList<>(batchSize);
            Set<String> textsInBatch = new HashSet<>();
            List<Example> stillDeferred = new ArrayList<>();
            for (Example example : deferred) {
                if (!offer(example, batch, textsInBatch, batchSize)) stillDeferred.add(example);
            }
            while (batch.size() < batchSize && next < order.size()) {
                Example example = order.get(next++);
                if (!offer(example, batch, textsInBatch, batchSize)) stillDeferred.add(example);
            }
            batches.add(batch);
            deferred = stillDeferred;
        }
        return batches;
    }

    /** Adds the example to the batch if there is room and none of its texts is there yet. */
    private static boolean offer(Example example, List<Example> batch, Set<String> textsInBatch, int batchSize) {
        if (batch.size() == batchSize) return false;
        for (String text : example.texts()) {
            if (textsInBatch.contains(text)) return false;
        }
        batch.add(example);
        textsInBatch.addAll(example.texts());
        return true;
    }
}
