package dev.bellm.tokenizer.hf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code added_tokens} of a tokenizer.json and their matching: leftmost-longest over a character trie (as the Rust
 * library's Aho-Corasick automaton), honouring {@code single_word}, {@code lstrip} and {@code rstrip}. Tokens with
 * {@code normalized: false} are matched in the raw text, the others in the normalized text (with their content
 * normalized too).
 */
final class AddedTokens {
    record Token(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean normalized,
                 boolean singleWord) {}

    /** A span of the text: a matched token ({@code token} non-null) or text between matches. */
    record Span(int start, int end, Token token) {}

    private final List<Token> tokens;
    private final Trie raw = new Trie();
    private final Trie normalized = new Trie();

    AddedTokens(List<Token> tokens, Normalizer normalizer) {
        this.tokens = tokens;
        for (Token t : tokens) {
            if (t.content().isEmpty()) continue;
            if (t.normalized()) {
                String content = normalizer == null ? t.content() : normalizer.normalize(t.content());
                if (!content.isEmpty()) normalized.add(content, t);
            } else {
                raw.add(t.content(), t);
            }
        }
    }

    /**
     * Reads {@code added_tokens}. Ids are assigned as the Rust library assigns them when it loads the file: a content the
     * model's vocabulary (or an earlier added token) already has keeps that id, any other gets the next id after the
     * vocabulary; the file's {@code id} is only compared (a disagreement is logged, as the library warns).
     */
    static AddedTokens read(Spec spec, Normalizer normalizer, Model model) {
        Map<String, Integer> assigned = new HashMap<>();
        int maxAssigned = -1;
        List<Token> tokens = new ArrayList<>();
        if (!spec.isNull()) {
            for (Spec t : spec.elements()) {
                t.object();
                int fileId = t.get("id").nonNegativeInt();
                if (fileId > TokenizerJson.MAX_ID) {
                    throw t.get("id").error("id " + fileId + " is beyond the largest bellm accepts (" + TokenizerJson.MAX_ID + ")");
                }
                String content = t.text("content");
                boolean special = t.bool("special", false);
                if (content.isEmpty()) continue;
                Integer id = assigned.get(content);
                if (id == null) id = model.idOf(content);
                if (id == null) {
                    int entries = model.entries();
                    id = maxAssigned < 0 ? entries : (maxAssigned >= entries || entries == 0 ? maxAssigned + 1 : entries);
                    if (id > TokenizerJson.MAX_ID) throw t.error("too many added tokens");
                }
                if (id != fileId) {
                    LOG.warn("{}: {}: token '{}' has id {} in the file, but the tokenizer assigns it {} (as the Hugging Face"
                            + " library does)", spec.file(), t.path(), content, fileId, id);
                }
                assigned.put(content, id);
                maxAssigned = Math.max(maxAssigned, id);
                tokens.add(new Token(id, content, special, t.bool("lstrip", false), t.bool("rstrip", false),
                        t.bool("normalized", !special), t.bool("single_word", false)));
            }
        }
        return new AddedTokens(tokens, normalizer);
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AddedTokens.class);

    List<Token> all() {
        return tokens;
    }

    boolean hasRaw() { return !raw.isEmpty(); }
    boolean hasNormalized() { return !normalized.isEmpty(); }

    List<Span> splitRaw(String text) { return split(text, raw); }
    List<Span> splitNormalized(String text) { return split(text, normalized); }

    private static List<Span> split(String text, Trie trie) {
        List<Span> spans = new ArrayList<>();
        int consumed = 0;
        for (int i = 0; i < text.length(); ) {
            long match = trie.longestAt(text, i);
            if (match < 0) {
                i++;
                continue;
            }
            int end = (int) (match >>> 32);
            Token token = trie.token((int) match);
            int start = i;
            if (token.singleWord()) {
                boolean startOk = start == 0 || !Text.isWordChar(text.codePointBefore(start));
                boolean endOk = end == text.length() || !Text.isWordChar(text.codePointAt(end));
                if (!startOk || !endOk) {
                    i = end; // the automaton's matches do not overlap: the rejected one still consumes its text
                    continue;
                }
            }
            if (token.lstrip()) {
                while (start > consumed && Text.isWhitespace(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
            }
            if (token.rstrip()) {
                while (end < text.length() && Text.isWhitespace(text.codePointAt(end))) end += Character.charCount(text.codePointAt(end));
            }
            if (consumed < start) spans.add(new Span(consumed, start, null));
            spans.add(new Span(start, end, token));
            consumed = end;
            i = end;
        }
        if (consumed < text.length()) spans.add(new Span(consumed, text.length(), null));
        return spans;
    }

    /** A trie over UTF-16 units: transitions in one map keyed by (node, char). */
    private static final class Trie {
        private final Map<Long, Integer> edges = new HashMap<>();
        /** The UTF-16 units some token starts with: the trie is only walked from those. */
        private final java.util.BitSet firstUnits = new java.util.BitSet(1 << 16);
        private final List<Token> terminal = new ArrayList<>(java.util.Collections.singletonList(null));

        boolean isEmpty() {
            return edges.isEmpty();
        }

        void add(String content, Token token) {
            firstUnits.set(content.charAt(0));
            int node = 0;
            for (int i = 0; i < content.length(); i++) {
                long key = ((long) node << 16) | content.charAt(i);
                Integer child = edges.get(key);
                if (child == null) {
                    child = terminal.size();
                    terminal.add(null);
                    edges.put(key, child);
                }
                node = child;
            }
            if (terminal.get(node) == null) terminal.set(node, token); // the first token with a content wins
        }

        Token token(int node) {
            return terminal.get(node);
        }

        /** (end << 32 | node) of the longest token starting at {@code start}, or -1. */
        long longestAt(String text, int start) {
            if (!firstUnits.get(text.charAt(start))) return -1;
            int node = 0;
            long best = -1;
            for (int i = start; i < text.length(); i++) {
                Integer child = edges.get(((long) node << 16) | text.charAt(i));
                if (child == null) break;
                node = child;
                if (terminal.get(node) != null) best = ((long) (i + 1) << 32) | node;
            }
            return best;
        }
    }
}
