package dev.bellm.tokenizer.hf;

import dev.bellm.io.BoundedText;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} normalizer: text in, text out (offsets are not tracked; bellm needs only ids). */
interface Normalizer {
    String normalize(String text);

    /** The normalizer a {@code normalizer} spec describes; null for a JSON null. */
    static Normalizer of(Spec spec) {
        if (spec.isNull()) return null;
        String type = spec.type();
        return switch (type) {
            case "NFC" -> text -> java.text.Normalizer.normalize(text, Form.NFC);
            case "NFD" -> text -> java.text.Normalizer.normalize(text, Form.NFD);
            case "NFKC" -> text -> java.text.Normalizer.normalize(text, Form.NFKC);
            case "NFKD" -> text -> java.text.Normalizer.normalize(text, Form.NFKD);
            case "Lowercase" -> Normalizer::lowercase;
            case "Strip" -> strip(spec.bool("strip_left", true), spec.bool("strip_right", true));
            case "StripAccents" -> Normalizer::stripAccents;
            case "Replace" -> replace(spec);
            case "Prepend" -> {
                String prepend = spec.text("prepend");
                yield text -> text.isEmpty() ? text : prepend + text;
            }
            case "Precompiled" -> Precompiled.of(spec.get("precompiled_charsmap"))::normalize;
            case "BertNormalizer" -> bert(spec);
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (Spec step : spec.get("normalizers").elements()) {
                    Normalizer n = of(step);
                    if (n != null) steps.add(n);
                }
                yield text -> {
                    for (Normalizer n : steps) text = n.normalize(text);
                    return text;
                };
            }
            default -> throw spec.get("type").unknownType("normalizer", type);
        };
    }

    /** Rust lowercases each character on its own (no final-sigma rule), which {@code String.toLowerCase} would apply. */
    static String lowercase(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            int n = Character.charCount(c);
            boolean plain = c < 128 ? !(c >= 'A' && c <= 'Z') : Character.toLowerCase(c) == c && !Character.isUpperCase(c)
                    && Character.getType(c) != Character.TITLECASE_LETTER;
            if (!plain && out == null) out = new StringBuilder(text.length()).append(text, 0, i);
            if (out != null) {
                if (plain) out.appendCodePoint(c);
                else if (c < 128) out.append((char) (c + 32));
                else out.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
            }
            i += n;
        }
        return out == null ? text : out.toString();
    }

    static Normalizer strip(boolean left, boolean right) {
        return text -> {
            int start = 0, end = text.length();
            if (left) while (start < end && Text.isWhitespace(text.codePointAt(start))) start += Character.charCount(text.codePointAt(start));
            if (right) while (end > start && Text.isWhitespace(text.codePointBefore(end))) end -= Character.charCount(text.codePointBefore(end));
            return text.substring(start, end);
        };
    }

    static String stripAccents(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().filter(c -> !Text.isMark(c)).forEach(out::appendCodePoint);
        return out.toString();
    }

    private static Normalizer replace(Spec spec) {
        Pattern pattern = pattern(spec.get("pattern"));
        String content = spec.text("content");
        return text -> replaceNonEmpty(spec, pattern, text, content);
    }

    /** Every non-empty match replaced by {@code content} taken literally. */
    static String replaceNonEmpty(Spec where, Pattern pattern, String text, String content) {
        try {
            return replaceNonEmpty(pattern, text, content);
        } catch (StackOverflowError e) {
            throw where.error("its regex needs more stack than bellm allows on a text of " + text.length() + " characters");
        } catch (BoundedText.BudgetExceeded e) {
            throw where.error("its regex backtracks without bound on a text of " + text.length() + " characters");
        }
    }

    private static String replaceNonEmpty(Pattern pattern, String text, String content) {
        Matcher m = pattern.matcher(new BoundedText(text));
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (out == null) out = new StringBuilder(text.length() + 16);
            out.append(text, last, m.start()).append(content);
            last = m.end();
        }
        if (out == null) return text;
        return out.append(text, last, text.length()).toString();
    }

    /** A Replace or Split {@code pattern}: {@code {"String": s}} (literal) or {@code {"Regex": r}}. An empty one is refused. */
    static Pattern pattern(Spec spec) {
        spec.object();
        if (spec.has("String")) {
            String literal = spec.text("String");
            if (literal.isEmpty()) throw spec.get("String").error("the pattern is empty; it would match between every character");
            return Pattern.compile(Pattern.quote(literal));
        }
        if (spec.has("Regex")) {
            Spec regex = spec.get("Regex");
            Pattern p = Text.compile(regex, regex.text());
            if (p.matcher("").matches()) throw regex.error("the pattern matches the empty text; it would match between every character");
            return p;
        }
        throw spec.error("expected {\"String\": ...} or {\"Regex\": ...}, found " + spec.describe());
    }

    private static Normalizer bert(Spec spec) {
        boolean cleanText = spec.bool("clean_text", true);
        boolean chinese = spec.bool("handle_chinese_chars", true);
        boolean lowercase = spec.bool("lowercase", true);
        boolean stripAccents = spec.bool("strip_accents", lowercase);
        return text -> {
            StringBuilder out = new StringBuilder(text.length() + 8);
            text.codePoints().forEach(c -> {
                if (cleanText) {
                    if (c == 0 || c == 0xFFFD || isBertControl(c)) return;
                    if (c == '\t' || c == '\n' || c == '\r' || Text.isWhitespace(c)) c = ' ';
                }
                if (chinese && isChinese(c)) out.append(' ').appendCodePoint(c).append(' ');
                else out.appendCodePoint(c);
            });
            String s = out.toString();
            if (stripAccents) s = stripAccents(java.text.Normalizer.normalize(s, Form.NFD));
            if (lowercase) s = lowercase(s);
            return s;
        };
    }

    /** Other (Cc, Cf, Cs, Co, Cn), except tab, newline and carriage return, which count as whitespace. */
    private static boolean isBertControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    private static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
