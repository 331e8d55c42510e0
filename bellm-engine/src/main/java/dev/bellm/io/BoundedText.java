package dev.bellm.io;

/**
 * A text for {@code java.util.regex} that stops a pathological pattern: every character read counts against a budget
 * proportional to the text's length, so catastrophic backtracking from a regex in a hostile file ends in an error
 * instead of running for hours. The published patterns read each character a handful of times. Used wherever a file
 * bellm reads supplies a regular expression (a tokenizer's pre-tokenizer and normalizer, a PEFT adapter's
 * {@code target_modules}).
 */
public final class BoundedText implements CharSequence {
    /** Reads allowed per character of text, plus a constant: far above what any real tokenizer pattern needs. */
    private static final long READS_PER_CHAR = 4_000;
    private static final long READS_BASE = 1_000_000;

    /** The pattern read more characters than the budget allows. */
    public static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private long budget;

    public BoundedText(String text) {
        this.text = text;
        this.budget = READS_BASE + READS_PER_CHAR * text.length();
    }

    @Override
    public char charAt(int index) {
        if (--budget < 0) throw new BudgetExceeded();
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
