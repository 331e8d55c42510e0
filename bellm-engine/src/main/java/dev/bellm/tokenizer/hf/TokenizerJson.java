package dev.bellm.tokenizer.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.CheckpointException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} run in pure Java: added tokens, normalizer, pre-tokenizer, model,
 * post-processor and decoder, as the Rust {@code tokenizers} library runs them for one sequence.
 *
 * <p>Loading streams the file with Jackson: the model's {@code vocab} and {@code merges} (most of the bytes) go straight
 * into maps and arrays; the small remaining parts become a tree that the components read with their JSON paths, so
 * every defect is a {@link CheckpointException} naming the file and the field.
 *
 * <p>Immutable after loading; {@link #encode} and {@link #decode} may run on any number of threads at once.
 */
public final class TokenizerJson {
    /** The largest token id accepted: ids index tables, and a vocabulary beyond 16M tokens is not a real one. */
    public static final int MAX_ID = (1 << 24) - 1;
    /** Field names are the vocabulary's tokens: interning or canonicalizing 150k unique names only costs time. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES).disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build());

    private final Path file;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Model model;
    private final AddedTokens addedTokens;
    private final Map<Integer, AddedTokens.Token> addedById = new HashMap<>();
    private final Map<String, Integer> addedByContent = new HashMap<>();
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final int maxId;

    private TokenizerJson(Path file, Spec root, Model model) {
        this.file = file;
        this.normalizer = Normalizer.of(root.get("normalizer"));
        this.preTokenizer = PreTokenizer.of(root.get("pre_tokenizer"));
        this.model = model;
        this.addedTokens = AddedTokens.read(root.get("added_tokens"), normalizer, model);
        this.postProcessor = PostProcessor.of(root.get("post_processor"));
        this.decoder = Decoder.of(root.get("decoder"));
        int max = model.maxId();
        for (AddedTokens.Token t : addedTokens.all()) {
            addedById.putIfAbsent(t.id(), t);
            addedByContent.putIfAbsent(t.content(), t.id());
            max = Math.max(max, t.id());
        }
        for (int id : postProcessor.prefix()) max = Math.max(max, id);
        for (int id : postProcessor.suffix()) max = Math.max(max, id);
        if (max < 0) throw new CheckpointException(file, "defines no tokens");
        this.maxId = max;
    }

    /** Parses {@code json}, the bytes of {@code file} (named in errors). */
    public static TokenizerJson parse(Path file, byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CheckpointException(file, "not a tokenizer.json: it needs a top-level object with a \"model\" object");
            }
            ObjectNode rest = JsonNodeFactory.instance.objectNode();
            ModelParts parts = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("model") && value == JsonToken.START_OBJECT) parts = ModelParts.read(file, p, json.length);
                else rest.set(name, p.readValueAsTree());
            }
            if (p.nextToken() != null) throw new CheckpointException(file, "is not valid JSON: content after the top-level object");
            if (parts == null) {
                throw new CheckpointException(file, "not a tokenizer.json: it needs a top-level object with a \"model\" object");
            }
            Spec root = new Spec(file, "", rest);
            return new TokenizerJson(file, root, parts.build(new Spec(file, "model", parts.rest)));
        } catch (JacksonException e) {
            throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()), e);
        } catch (java.io.IOException e) {
            throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    /** The model's vocabulary and merges, read by streaming; the other fields of {@code model} in {@code rest}. */
    private static final class ModelParts {
        final ObjectNode rest = JsonNodeFactory.instance.objectNode();
        Vocab vocab;
        List<String> unigramPieces;
        List<Double> unigramScores;
        List<String> mergeLeft;
        List<String> mergeRight;

        /** @param fileBytes the file's size, from which the vocabulary's is guessed (about 40 bytes a token with merges) */
        static ModelParts read(Path file, JsonParser p, int fileBytes) throws java.io.IOException {
            ModelParts parts = new ModelParts();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("vocab") && value == JsonToken.START_OBJECT) parts.readVocab(file, p, Math.min(fileBytes / 40, 1 << 20));
                else if (name.equals("vocab") && value == JsonToken.START_ARRAY) parts.readUnigramVocab(file, p);
                else if (name.equals("merges") && value == JsonToken.START_ARRAY) parts.readMerges(file, p);
                else parts.rest.set(name, p.readValueAsTree());
            }
            return parts;
        }

        private void readVocab(Path file, JsonParser p, int sizeHint) throws java.io.IOException {
            vocab = new Vocab(Math.max(16, sizeHint));
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                JsonToken t = p.nextToken();
                long id = t == JsonToken.VALUE_NUMBER_INT ? p.getValueAsLong(-1) : -1;
                if (id < 0 || id > MAX_ID) {
                    throw new CheckpointException(file, "model.vocab." + token + ": expected a token id from 0 to " + MAX_ID
                            + ", found " + (t == JsonToken.VALUE_NUMBER_INT ? p.getText() : t));
                }
                if (t != JsonToken.VALUE_NUMBER_INT) p.skipChildren();
                vocab.put(token, (int) id);
            }
        }

        private void readUnigramVocab(Path file, JsonParser p) throws java.io.IOException {
            unigramPieces = new ArrayList<>(1 << 16);
            unigramScores = new ArrayList<>(1 << 16);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                int i = unigramPieces.size();
                String where = "model.vocab[" + i + "]";
                if (i > MAX_ID) throw new CheckpointException(file, where + ": more pieces than bellm accepts (" + MAX_ID + ")");
                if (t != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new CheckpointException(file, where + ": expected [piece, score]");
                }
                String piece = p.getText();
                JsonToken s = p.nextToken();
                if ((s != JsonToken.VALUE_NUMBER_FLOAT && s != JsonToken.VALUE_NUMBER_INT) || !Double.isFinite(p.getDoubleValue())) {
                    throw new CheckpointException(file, where + ": expected [piece, score] with a finite score");
                }
                double score = p.getDoubleValue();
                if (p.nextToken() != JsonToken.END_ARRAY) throw new CheckpointException(file, where + ": expected [piece, score]");
                unigramPieces.add(piece);
                unigramScores.add(score);
            }
        }

        private void readMerges(Path file, JsonParser p) throws java.io.IOException {
            mergeLeft = new ArrayList<>(1 << 16);
            mergeRight = new ArrayList<>(1 << 16);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                String where = "model.merges[" + mergeLeft.size() + "]";
                if (t == JsonToken.VALUE_STRING) {
                    String merge = p.getText();
                    int space = merge.indexOf(' ');
                    if (space < 0 || merge.indexOf(' ', space + 1) >= 0) {
                        throw new CheckpointException(file, where + ": expected \"left right\" (two tokens and one space), found \""
                                + (merge.length() > 60 ? merge.substring(0, 57) + "..." : merge) + "\"");
                    }
                    mergeLeft.add(merge.substring(0, space));
                    mergeRight.add(merge.substring(space + 1));
                } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                    String left = p.getText();
                    if (p.nextToken() != JsonToken.VALUE_STRING) throw new CheckpointException(file, where + ": expected [left, right]");
                    String right = p.getText();
                    if (p.nextToken() != JsonToken.END_ARRAY) throw new CheckpointException(file, where + ": expected [left, right]");
                    mergeLeft.add(left);
                    mergeRight.add(right);
                } else {
                    throw new CheckpointException(file, where + ": expected \"left right\" or [left, right]");
                }
            }
        }

        Model build(Spec spec) {
            String type = spec.has("type") ? spec.text("type")
                    : unigramPieces != null ? "Unigram" : mergeLeft != null ? "BPE" : "WordLevel";
            if (type.equals("Unigram")) {
                if (unigramPieces == null) throw spec.get("vocab").error("expected the Unigram vocabulary, an array of [piece, score]");
                double[] scores = new double[unigramScores.size()];
                for (int i = 0; i < scores.length; i++) scores[i] = unigramScores.get(i);
                return new UnigramModel(spec, unigramPieces.toArray(String[]::new), scores);
            }
            if (!type.equals("BPE") && !type.equals("WordPiece") && !type.equals("WordLevel")) {
                throw spec.get("type").unknownType("model", type);
            }
            if (vocab == null) throw spec.get("vocab").error("expected an object mapping each token to its id");
            return switch (type) {
                case "BPE" -> {
                    if (mergeLeft == null && !spec.get("merges").isNull()) throw spec.get("merges").error("expected an array");
                    yield new BpeModel(spec, vocab, mergeLeft == null ? new String[0] : mergeLeft.toArray(String[]::new),
                            mergeRight == null ? new String[0] : mergeRight.toArray(String[]::new));
                }
                case "WordPiece" -> new WordPieceModel(spec, vocab);
                default -> new WordLevelModel(spec, vocab);
            };
        }
    }

    /** Token ids of {@code text}, without the post-processor's special tokens (see {@link #prefix} and {@link #suffix}). */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addedTokens.hasRaw()) {
            for (AddedTokens.Span span : addedTokens.splitRaw(text)) {
                if (span.token() != null) out.add(span.token().id());
                else encodeNormalizing(text.substring(span.start(), span.end()), span.start() == 0, out);
            }
        } else {
            encodeNormalizing(text, true, out);
        }
        return out.toArray();
    }

    private void encodeNormalizing(String part, boolean atStart, IntList out) {
        String normalized = normalizer == null ? part : normalizer.normalize(part);
        if (addedTokens.hasNormalized()) {
            for (AddedTokens.Span span : addedTokens.splitNormalized(normalized)) {
                if (span.token() != null) out.add(span.token().id());
                else encodeWords(normalized.substring(span.start(), span.end()), atStart && span.start() == 0, out);
            }
        } else {
            encodeWords(normalized, atStart, out);
        }
    }

    private void encodeWords(String text, boolean atStart, IntList out) {
        if (text.isEmpty()) return;
        if (preTokenizer == null) {
            model.tokenize(text, out);
            return;
        }
        List<PreTokenizer.Piece> words = new ArrayList<>();
        preTokenizer.split(new PreTokenizer.Piece(text, atStart), words);
        for (PreTokenizer.Piece word : words) model.tokenize(word.text(), out);
    }

    /** The ids the post-processor puts before a single sequence. */
    public int[] prefix() {
        return postProcessor.prefix().clone();
    }

    /** The ids the post-processor puts after a single sequence. */
    public int[] suffix() {
        return postProcessor.suffix().clone();
    }

    /** The id of {@code token}, looking in the added tokens first as the Rust library does; null when it has none. */
    public Integer idOf(String token) {
        Integer id = addedByContent.get(token);
        return id != null ? id : model.idOf(token);
    }

    /** One more than the largest id the file defines (vocabulary, added tokens, post-processor). */
    public int vocabSize() {
        return maxId + 1;
    }

    /** Text of {@code ids} (each within {@link #vocabSize}), special added tokens skipped, through the decoder. */
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            AddedTokens.Token added = addedById.get(id);
            if (added != null) {
                if (!added.special()) tokens.add(added.content());
                continue;
            }
            String token = model.tokenOf(id);
            if (token != null) tokens.add(token);
        }
        if (decoder == null) return String.join(" ", tokens);
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public String toString() {
        return "TokenizerJson[" + file + "]";
    }

}
