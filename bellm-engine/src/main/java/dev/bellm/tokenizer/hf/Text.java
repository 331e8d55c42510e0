package dev.bellm.tokenizer.hf;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Character classes as the Rust {@code tokenizers} library defines them (Rust's {@code char} methods), and regexes. */
final class Text {
    private Text() {}

    /** Rust {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhitespace(int c) {
        return switch (c) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }

    /** Rust {@code char::is_alphanumeric}: Alphabetic or Numeric (Nd, Nl, No). */
    static boolean isAlphanumeric(int c) {
        return Character.isAlphabetic(c) || isNumeric(c);
    }

    /** Rust {@code char::is_numeric}: general categories Nd, Nl, No. */
    static boolean isNumeric(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Unicode general category P*. */
    static boolean isPunctuation(int c) {
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The punctuation of the Punctuation and Bert pre-tokenizers: ASCII punctuation or Unicode P*. */
    static boolean isBertPunctuation(int c) {
        return (c < 128 && c > 32 && !Character.isLetterOrDigit(c) && c != 127) || isPunctuation(c);
    }

    /** Unicode marks (Mn, Mc, Me), which StripAccents removes. */
    static boolean isMark(int c) {
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** A regex word character ({@code \w} in Unicode mode): alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int c) {
        return Character.isAlphabetic(c) || isMark(c) || Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER
                || Character.getType(c) == Character.CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
    }

    /**
     * Compiles a {@code tokenizer.json} regex (Oniguruma syntax in the Rust library) for {@code java.util.regex}. The
     * published patterns ({@code \p{L}}, {@code \p{N}}, {@code (?i:...)}, {@code \s+(?!\S)}, possessive quantifiers) mean
     * the same in both once Java's classes are Unicode-aware: Oniguruma's {@code \s}, {@code \w} and {@code \d} are
     * Unicode classes, so {@link Pattern#UNICODE_CHARACTER_CLASS} is on.
     */
    static Pattern compile(Spec where, String regex) {
        try {
            return Pattern.compile(translate(regex), Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException | StackOverflowError e) {
            throw where.error("not a regular expression bellm can run: " + firstLine(e.getMessage()), e);
        }
    }

    /** Oniguruma constructs whose Java spelling differs: {@code \h} (hex digit) and script names without {@code Is}. */
    private static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 8);
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char n = regex.charAt(i + 1);
                if (n == 'h') { out.append("\\p{XDigit}"); i++; continue; }
                if (n == 'H') { out.append("\\P{XDigit}"); i++; continue; }
                out.append(c).append(n);
                i++;
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    static String firstLine(String message) {
        if (message == null) return "";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
