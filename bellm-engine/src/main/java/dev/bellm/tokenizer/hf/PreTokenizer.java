package dev.bellm.tokenizer.hf;

import dev.bellm.io.BoundedText;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} pre-tokenizer: splits each piece of text into smaller pieces (words) for the model. */
interface PreTokenizer {
    /**
     * A piece of text; {@code atStart} says it begins at the start of the original text (Metaspace's
     * {@code prepend_scheme: "first"} prepends only there).
     */
    record Piece(String text, boolean atStart) {}

    /** Appends the pieces {@code piece} splits into to {@code out}; empty pieces are never appended. */
    void split(Piece piece, List<Piece> out);

    /** How the matches of a Split pattern are kept, as the Rust library's {@code SplitDelimiterBehavior}. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** The GPT-2 regex that the ByteLevel pre-tokenizer applies when {@code use_regex} is true. */
    Pattern GPT2 = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    Pattern WHITESPACE_WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    static PreTokenizer of(Spec spec) {
        if (spec.isNull()) return null;
        String type = spec.type();
        return switch (type) {
            case "Split" -> {
                Pattern pattern = Normalizer.pattern(spec.get("pattern"));
                Behavior behavior = behavior(spec.get("behavior"));
                boolean invert = spec.bool("invert", false);
                yield (piece, out) -> splitByRegex(spec, pattern, invert, behavior, piece, out);
            }
            case "ByteLevel" -> byteLevel(spec.bool("add_prefix_space", true), spec.bool("use_regex", true), spec);
            case "Whitespace" -> (piece, out) -> splitByRegex(spec, WHITESPACE_WORDS, true, Behavior.REMOVED, piece, out);
            case "WhitespaceSplit" -> (piece, out) -> splitByChar(Text::isWhitespace, Behavior.REMOVED, piece, out);
            case "Metaspace" -> metaspace(spec);
            case "Digits" -> {
                Behavior behavior = spec.bool("individual_digits", false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS;
                yield (piece, out) -> splitByChar(Text::isNumeric, behavior, piece, out);
            }
            case "Punctuation" -> {
                Behavior behavior = spec.has("behavior") ? behavior(spec.get("behavior")) : Behavior.ISOLATED;
                yield (piece, out) -> splitByChar(Text::isBertPunctuation, behavior, piece, out);
            }
            case "BertPreTokenizer" -> (piece, out) -> {
                List<Piece> words = new ArrayList<>();
                splitByChar(Text::isWhitespace, Behavior.REMOVED, piece, words);
                for (Piece word : words) splitByChar(Text::isBertPunctuation, Behavior.ISOLATED, word, out);
            };
            case "CharDelimiterSplit" -> {
                int delimiter = spec.codePoint("delimiter", ' ');
                yield (piece, out) -> splitByChar(c -> c == delimiter, Behavior.REMOVED, piece, out);
            }
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (Spec step : spec.get("pretokenizers").elements()) {
                    PreTokenizer p = of(step);
                    if (p != null) steps.add(p);
                }
                yield (piece, out) -> {
                    List<Piece> current = List.of(piece);
                    for (PreTokenizer step : steps) {
                        List<Piece> next = new ArrayList<>(current.size() * 2);
                        for (Piece p : current) step.split(p, next);
                        current = next;
                    }
                    out.addAll(current);
                };
            }
            default -> throw spec.get("type").unknownType("pre_tokenizer", type);
        };
    }

    static Behavior behavior(Spec spec) {
        String name = spec.text();
        return switch (name) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw spec.error("unknown split behavior '" + name + "'; expected Removed, Isolated,"
                    + " MergedWithPrevious, MergedWithNext or Contiguous");
        };
    }

    private static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex, Spec spec) {
        return (piece, out) -> {
            String text = piece.text();
            if (addPrefixSpace && !text.startsWith(" ")) text = " " + text;
            List<Piece> words = new ArrayList<>();
            Piece spaced = new Piece(text, piece.atStart());
            if (useRegex) splitByRegex(spec, GPT2, false, Behavior.ISOLATED, spaced, words);
            else if (!text.isEmpty()) words.add(spaced);
            for (Piece word : words) out.add(new Piece(ByteLevel.encode(word.text()), word.atStart()));
        };
    }

    private static PreTokenizer metaspace(Spec spec) {
        int replacement = spec.codePoint("replacement", 0x2581);
        String replacementText = new String(Character.toChars(replacement));
        String scheme;
        if (spec.has("prepend_scheme")) {
            scheme = spec.text("prepend_scheme");
            if (!scheme.equals("always") && !scheme.equals("never") && !scheme.equals("first")) {
                throw spec.get("prepend_scheme").error("expected \"always\", \"never\" or \"first\", found '" + scheme + "'");
            }
        } else {
            scheme = spec.bool("add_prefix_space", true) ? "always" : "never";
        }
        boolean split = spec.bool("split", true);
        return (piece, out) -> {
            String text = piece.text().replace(" ", replacementText);
            boolean prepend = switch (scheme) {
                case "always" -> true;
                case "first" -> piece.atStart();
                default -> false;
            };
            if (prepend && !text.startsWith(replacementText)) text = replacementText + text;
            Piece replaced = new Piece(text, piece.atStart());
            if (split) splitByChar(c -> c == replacement, Behavior.MERGED_WITH_NEXT, replaced, out);
            else if (!text.isEmpty()) out.add(replaced);
        };
    }

    /** Splits at the matches of {@code pattern} (or, inverted, at what lies between them). */
    static void splitByRegex(Spec where, Pattern pattern, boolean invert, Behavior behavior, Piece piece, List<Piece> out) {
        String text = piece.text();
        if (text.isEmpty()) return;
        List<int[]> spans = new ArrayList<>();
        try {
            Matcher m = pattern.matcher(new BoundedText(text));
            int previous = 0;
            while (m.find()) {
                if (previous != m.start()) spans.add(new int[] {previous, m.start(), invert ? 1 : 0});
                spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
                previous = m.end();
            }
            if (previous != text.length()) spans.add(new int[] {previous, text.length(), invert ? 1 : 0});
        } catch (StackOverflowError e) {
            throw where.error("its regex needs more stack than bellm allows on a text of " + text.length() + " characters");
        } catch (BoundedText.BudgetExceeded e) {
            throw where.error("its regex backtracks without bound on a text of " + text.length() + " characters");
        }
        emit(piece, spans, behavior, out);
    }

    /** Splits at each character {@code matches} accepts. */
    static void splitByChar(IntPredicate matches, Behavior behavior, Piece piece, List<Piece> out) {
        String text = piece.text();
        if (text.isEmpty()) return;
        List<int[]> spans = new ArrayList<>();
        int previous = 0;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int n = Character.charCount(c);
            if (matches.test(c)) {
                if (previous != i) spans.add(new int[] {previous, i, 0});
                spans.add(new int[] {i, i + n, 1});
                previous = i + n;
            }
            i += n;
        }
        if (previous != text.length()) spans.add(new int[] {previous, text.length(), 0});
        emit(piece, spans, behavior, out);
    }

    /** Applies the split behaviour to spans {start, end, isMatch} that tile the piece, as the Rust library does. */
    private static void emit(Piece piece, List<int[]> spans, Behavior behavior, List<Piece> out) {
        List<int[]> kept = new ArrayList<>(spans.size());
        boolean previousMatch = false;
        switch (behavior) {
            case REMOVED -> { for (int[] s : spans) if (s[2] == 0) kept.add(s); }
            case ISOLATED -> kept.addAll(spans);
            case MERGED_WITH_PREVIOUS -> {
                for (int[] s : spans) {
                    if (s[2] == 1 && !previousMatch && !kept.isEmpty()) kept.getLast()[1] = s[1];
                    else kept.add(s.clone());
                    previousMatch = s[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] s = spans.get(i);
                    if (s[2] == 1 && !previousMatch && !kept.isEmpty()) kept.getLast()[0] = s[0];
                    else kept.add(s.clone());
                    previousMatch = s[2] == 1;
                }
                java.util.Collections.reverse(kept);
            }
            case CONTIGUOUS -> {
                for (int[] s : spans) {
                    if (s[2] == (previousMatch ? 1 : 0) && !kept.isEmpty()) kept.getLast()[1] = s[1];
                    else kept.add(s.clone());
                    previousMatch = s[2] == 1;
                }
            }
        }
        String text = piece.text();
        for (int[] s : kept) {
            if (s[0] == s[1]) continue;
            out.add(new Piece(text.substring(s[0], s[1]), piece.atStart() && s[0] == 0));
        }
    }
}
