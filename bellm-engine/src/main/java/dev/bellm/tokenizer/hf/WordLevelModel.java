package dev.bellm.tokenizer.hf;


/** WordLevel: each word is a token of the vocabulary, or the unk token. */
final class WordLevelModel implements Model {
    private final Spec spec;
    private final Vocab vocab;
    private final String[] tokens;
    private final String unk;

    WordLevelModel(Spec spec, Vocab vocab) {
        this.spec = spec;
        this.vocab = vocab;
        this.tokens = vocab.invert();
        this.unk = spec.text("unk_token", null);
    }

    @Override
    public void tokenize(String word, IntList out) {
        int id = vocab.get(word);
        if (id < 0) {
            if (unk == null) throw Model.unknownWithoutUnk(spec, word);
            id = vocab.get(unk);
            if (id < 0) throw Model.unkNotInVocab(spec, unk);
        }
        out.add(id);
    }

    @Override public String tokenOf(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }
    @Override public Integer idOf(String token) { return vocab.idOf(token); }
    @Override public int maxId() { return tokens.length - 1; }
    @Override public int entries() { return vocab.size(); }
}
