package dev.bellm.train.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TrainingData#toScoredPairs}, with labels worked out by hand. */
class ScoredPairConversionTest {
    @Test
    void aTripletBecomesAPositiveAndANegativePair() {
        assertEquals(List.of(new ScoredPair("t", "p", 1), new ScoredPair("t", "n", 0)),
                TrainingData.toScoredPairs(List.of(new Triplet("t", "p", "n"))));
    }

    @Test
    void scoredPairsKeepTheirLabelsWithoutARange() {
        List<Example> pairs = List.of(new ScoredPair("a", "b", 4.2), new ScoredPair("c", "d", -1));
        assertEquals(pairs, TrainingData.toScoredPairs(pairs));
    }

    @Test
    void aRangeRescalesPairLabelsToTheUnitIntervalButNotTripletLabels() {
        List<Example> mixed = List.of(new ScoredPair("a", "b", 1), new Triplet("t", "p", "n"), new ScoredPair("c", "d", 3.5),
                new ScoredPair("e", "f", 5));
        // (label - 1) / (5 - 1): 1 -> 0, 3.5 -> 0.625, 5 -> 1
        assertEquals(List.of(new ScoredPair("a", "b", 0), new ScoredPair("t", "p", 1), new ScoredPair("t", "n", 0),
                new ScoredPair("c", "d", 0.625), new ScoredPair("e", "f", 1)), TrainingData.toScoredPairs(mixed, 1, 5));
    }

    @Test
    void aLabelOutsideTheRangeIsAnErrorNamingTheExample() {
        List<Example> pairs = List.of(new ScoredPair("a", "b", 2), new ScoredPair("c", "d", 5.5));
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.toScoredPairs(pairs, 0, 5));
        assertTrue(error.getMessage().contains("example 1 has label 5.5"), error.getMessage());
    }

    @Test
    void anEmptyRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TrainingData.toScoredPairs(List.of(), 5, 5));
    }

    @Test
    void recordsRefuseEmptyTextsAndNonFiniteLabels() {
        assertEquals("positive is empty", assertThrows(IllegalArgumentException.class, () -> new Triplet("t", " ", "n")).getMessage());
        assertEquals("text2 is missing", assertThrows(IllegalArgumentException.class, () -> new ScoredPair("a", null, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ScoredPair("a", "b", Double.NaN));
        assertEquals(List.of("t", "p", "n"), new Triplet("t", "p", "n").texts());
        assertEquals(List.of("a", "b"), new ScoredPair("a", "b", 1).texts());
    }
}
