package dev.bellm.train.data;

import dev.bellm.SharedData;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The epoch's batches: reproducible, shuffled, no text twice in a batch, nothing lost. */
class BatchesTest {
    /** Pairs whose texts are all different: the duplicate filter never acts. */
    private static List<Example> distinctPairs(int count) {
        List<Example> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) pairs.add(new ScoredPair("left " + i, "right " + i, i % 2));
        return pairs;
    }

    @Test
    void withoutSharedTextsBatchesAreFullExceptTheLast() {
        List<Integer> sizes = Batches.of(distinctPairs(10), 4, 7, 0).stream().map(List::size).toList();
        assertEquals(List.of(4, 4, 2), sizes);
    }

    @Test
    @SharedData
    void sameSeedAndEpochGiveIdenticalBatches() {
        List<Example> data = TrainingData.toScoredPairs(TrainingData.snli(DataDirectory.root(), "dev"));
        assertEquals(Batches.of(data, 16, 42, 3), Batches.of(data, 16, 42, 3));
    }

    @Test
    void epochsAndSeedsGiveDifferentOrders() {
        List<Example> data = distinctPairs(100);
        List<Example> epoch0 = flatten(Batches.of(data, 8, 42, 0));
        assertNotEquals(data, epoch0, "the data is shuffled");
        assertNotEquals(epoch0, flatten(Batches.of(data, 8, 42, 1)));
        assertNotEquals(epoch0, flatten(Batches.of(data, 8, 43, 0)));
    }

    @Test
    void aSharedTextIsDeferredToTheNextBatchNotLost() {
        // whatever the shuffle, the second example holding "a" cannot join the first batch
        List<Example> data = List.of(new ScoredPair("a", "b", 1), new ScoredPair("a", "c", 0), new ScoredPair("d", "e", 1),
                new ScoredPair("f", "g", 0));
        for (long seed = 0; seed < 20; seed++) {
            List<List<Example>> batches = Batches.of(data, 4, seed, 0);
            assertEquals(List.of(3, 1), batches.stream().map(List::size).toList());
            assertEquals(Set.copyOf(data), Set.copyOf(flatten(batches)));
        }
    }

    @Test
    void examplesThatAllShareATextGoOneBatchEach() {
        List<Example> data = new ArrayList<>();
        for (int i = 0; i < 9; i++) data.add(new Triplet("same anchor", "positive " + i, "negative " + i));
        List<List<Example>> batches = Batches.of(data, 4, 1, 0);
        assertEquals(Collections.nCopies(9, 1), batches.stream().map(List::size).toList());
        assertEquals(Set.copyOf(data), Set.copyOf(flatten(batches)));
    }

    @Test
    @SharedData
    void onSnliNoBatchHoldsATextTwiceAndEveryExampleAppearsOnce() {
        // as pairs, each premise appears in at least two examples, so the filter has work to do
        List<Example> data = TrainingData.toScoredPairs(TrainingData.snli(DataDirectory.root(), "dev"));
        List<List<Example>> batches = Batches.of(data, 32, 2024, 5);
        int fullBatches = 0;
        for (List<Example> batch : batches) {
            Set<String> texts = new HashSet<>();
            for (Example example : batch) {
                for (String text : new HashSet<>(example.texts())) assertTrue(texts.add(text), "twice in a batch: " + text);
            }
            assertTrue(!batch.isEmpty() && batch.size() <= 32);
            if (batch.size() == 32) fullBatches++;
        }
        System.out.println("snli dev as " + data.size() + " pairs, batch 32: " + batches.size() + " batches, " + fullBatches + " full");
        Map<Example, Boolean> seen = new IdentityHashMap<>();
        for (Example example : flatten(batches)) assertEquals(null, seen.put(example, true), "twice in the epoch: " + example);
        assertEquals(data.size(), seen.size());
    }

    @Test
    void anEmptySetHasNoBatchesAndABatchSizeBelowOneIsRefused() {
        assertEquals(List.of(), Batches.of(List.of(), 4, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Batches.of(distinctPairs(3), 0, 0, 0));
    }

    private static List<Example> flatten(List<List<Example>> batches) {
        return batches.stream().flatMap(List::stream).toList();
    }
}
