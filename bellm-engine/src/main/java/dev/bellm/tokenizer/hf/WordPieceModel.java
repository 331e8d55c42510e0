package dev.bellm.tokenizer.hf;


/** WordPiece: greedy longest-match-first over the word, continuation pieces carrying {@code continuing_subword_prefix}. */
final class WordPieceModel implements Model {
    private final Spec spec;
    private final Vocab vocab;
    private final String[] tokens;
    private final String unk;
    private final String prefix;
    private final int maxChars;

    WordPieceModel(Spec spec, Vocab vocab) {
        this.spec = spec;
        this.vocab = vocab;
        this.tokens = vocab.invert();
        this.unk = spec.text("unk_token", "[UNK]");
        this.prefix = spec.text("continuing_subword_prefix", "##");
        this.maxChars = spec.nonNegativeInt("max_input_chars_per_word", 100);
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxChars) {
            out.add(unkId(word));
            return;
        }
        int mark = out.size();
        IntList pieces = new IntList(8);
        for (int start = 0; start < word.length(); ) {
            int end = word.length();
            int found = -1;
            while (end > start) {
                String sub = word.substring(start, end);
                found = start > 0 ? vocab.getConcat(prefix, sub, 0) : vocab.get(sub);
                if (found >= 0) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (found < 0) {
                out.add(unkId(word));
                return;
            }
            pieces.add(found);
            start = end;
        }
        if (mark == out.size()) out.addAll(pieces.toArray());
    }

    private int unkId(String word) {
        int id = vocab.get(unk);
        if (id < 0) throw Model.unknownWithoutUnk(spec, word);
        return id;
    }

    @Override public String tokenOf(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }
    @Override public Integer idOf(String token) { return vocab.idOf(token); }
    @Override public int maxId() { return tokens.length - 1; }
    @Override public int entries() { return vocab.size(); }
    String prefix() { return prefix; }
}
