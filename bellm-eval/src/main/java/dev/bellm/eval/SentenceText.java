package dev.bellm.eval;

import java.util.regex.Pattern;

/**
 * How sentences are prepared before they are embedded. SentEval splits every sentence on whitespace and
 * the SimCSE/PromptEOL batchers join the tokens with single spaces, so runs of whitespace collapse and
 * the ends are trimmed; an empty sentence becomes "." (SentEval's batchers do the same).
 */
public final class SentenceText {
    private SentenceText() {}

    /** Python's {@code string.punctuation}: a sentence ending in one of these is not given a period. */
    public static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /** Unicode whitespace, as Python's {@code str.split()} sees it. */
    private static final Pattern WHITESPACE = Pattern.compile("(?U)\\s+");

    /**
     * {@code sentence} with whitespace collapsed and trimmed; with {@code appendPeriod}, "." is appended when
     * it does not already end in ASCII punctuation.
     */
    public static String prepare(String sentence, boolean appendPeriod) {
        String text = WHITESPACE.matcher(sentence).replaceAll(" ").strip();
        if (text.isEmpty()) return ".";
        if (appendPeriod && ASCII_PUNCTUATION.indexOf(text.charAt(text.length() - 1)) < 0) {
            return text + ".";
        }
        return text;
    }
}
