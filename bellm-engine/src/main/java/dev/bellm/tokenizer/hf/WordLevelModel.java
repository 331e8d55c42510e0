package dev.bellm.tokenizer.hf;

import java.util.Map;

/** WordLevel: each word is a token of the vocabulary, or the unk token. */
final class WordLevelModel implements Model {
    private final Spec spec;
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final String unk;

    WordLevelModel(Spec spec, Map<String, Integer> vocab) {
        this.spec = spec;
        this.vocab = vocab;
        this.tokens = Model.invert(vocab);
        this.unk = spec.text("unk_token", null);
    }

    @Override
    public void tokenize(String word, IntList out) {
        Integer id = vocab.get(word);
        if (id == null) {
            if (unk == null) throw Model.unknownWithoutUnk(spec, word);
            id = vocab.get(unk);
            if (id == null) throw Model.unkNotInVocab(spec, unk);
        }
        out.add(id);
    }

    @Override public String tokenOf(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }
    @Override public Integer idOf(String token) { return vocab.get(token); }
    @Override public int maxId() { return tokens.length - 1; }
}
