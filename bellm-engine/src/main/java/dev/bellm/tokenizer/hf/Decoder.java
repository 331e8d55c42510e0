package dev.bellm.tokenizer.hf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} decoder: a chain over the tokens' strings, joined at the end (for {@code generate}). */
interface Decoder {
    List<String> decodeChain(List<String> tokens);

    static Decoder of(Spec spec) {
        if (spec.isNull()) return null;
        String type = spec.type();
        return switch (type) {
            case "ByteLevel" -> tokens -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (String t : tokens) ByteLevel.decodeToken(t, bytes);
                return List.of(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
            };
            case "Metaspace" -> metaspace(spec);
            case "ByteFallback" -> Decoder::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> {
                int content = spec.codePoint("content", ' ');
                int start = spec.nonNegativeInt("start", 0);
                int stop = spec.nonNegativeInt("stop", 0);
                yield tokens -> tokens.stream().map(t -> strip(t, content, start, stop)).toList();
            }
            case "Replace" -> {
                Pattern pattern = Normalizer.pattern(spec.get("pattern"));
                String content = spec.text("content");
                yield tokens -> tokens.stream().map(t -> Normalizer.replaceNonEmpty(pattern, t, content)).toList();
            }
            case "WordPiece" -> wordPiece(spec.text("prefix", "##"), spec.bool("cleanup", true));
            case "BPEDecoder" -> {
                String suffix = spec.text("suffix", "</w>");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
                    }
                    return out;
                };
            }
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                for (Spec step : spec.get("decoders").elements()) {
                    Decoder d = of(step);
                    if (d != null) steps.add(d);
                }
                yield tokens -> {
                    for (Decoder d : steps) tokens = d.decodeChain(tokens);
                    return tokens;
                };
            }
            default -> throw spec.get("type").unknownType("decoder", type);
        };
    }

    private static Decoder metaspace(Spec spec) {
        int replacement = spec.codePoint("replacement", 0x2581);
        boolean prepends = spec.has("prepend_scheme") ? !spec.text("prepend_scheme").equals("never")
                : spec.bool("add_prefix_space", true);
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                StringBuilder s = new StringBuilder();
                int index = i;
                tokens.get(i).codePoints().forEach(c -> {
                    if (c != replacement) s.appendCodePoint(c);
                    else if (!(index == 0 && prepends)) s.append(' ');
                });
                out.add(s.toString());
            }
            return out;
        };
    }

    /** Runs of {@code <0xXX>} tokens become the text their bytes spell; invalid UTF-8 gives one U+FFFD per byte. */
    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                pending.write(b);
                continue;
            }
            flush(pending, out);
            out.add(t);
        }
        flush(pending, out);
        return out;
    }

    private static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static void flush(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) return;
        byte[] bytes = pending.toByteArray();
        pending.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < bytes.length; i++) out.add("\uFFFD");
        }
    }

    private static String strip(String token, int content, int start, int stop) {
        int from = 0, to = token.length();
        for (int k = 0; k < start && from < to && token.codePointAt(from) == content; k++) from += Character.charCount(content);
        for (int k = 0; k < stop && to > from && token.codePointBefore(to) == content; k++) to -= Character.charCount(content);
        return token.substring(from, to);
    }

    private static Decoder wordPiece(String prefix, boolean cleanup) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                if (cleanup) {
                    t = t.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                            .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                            .replace(" 've", "'ve").replace(" 're", "'re");
                }
                out.add(t);
            }
            return out;
        };
    }
}
