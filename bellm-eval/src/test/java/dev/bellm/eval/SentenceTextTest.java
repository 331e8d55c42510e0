package dev.bellm.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SentenceTextTest {
    @Test
    void whitespaceCollapsesAndEndsAreTrimmedAsSentEvalSplitAndJoin() {
        assertEquals("a man is playing .", SentenceText.prepare("  a  man\tis playing\u00a0.\n", false));
    }

    @Test
    void emptySentenceBecomesAPeriod() {
        assertEquals(".", SentenceText.prepare(" \t ", false));
        assertEquals(".", SentenceText.prepare("", true));
    }

    @Test
    void periodIsAppendedOnlyWhenAskedAndOnlyAfterNonPunctuation() {
        assertEquals("a dog runs", SentenceText.prepare("a dog runs", false));
        assertEquals("a dog runs.", SentenceText.prepare("a dog runs ", true));
        assertEquals("does it run?", SentenceText.prepare("does it run?", true));
        assertEquals("he said \"run\"", SentenceText.prepare("he said \"run\"", true));
        assertEquals("it runs .", SentenceText.prepare("it runs .", true));
        assertEquals("ends in a digit 3.", SentenceText.prepare("ends in a digit 3", true));
    }
}
