package dev.bellm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.CheckpointException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust {@code tokenizers} library through DJL, with the BOS/EOS
 * policy of {@code tokenizer_config.json} applied on top of what the file's post-processor adds.
 *
 * <p>BOS/EOS: {@code add_bos_token} / {@code add_eos_token} from the config win when present (the BOS is added if the
 * post-processor does not already add it, and removed if the config asks for none); when absent, the post-processor
 * decides alone. The tokenizer never truncates or pads: sequence length is the embedder's business.
 *
 * <p>Thread safety: {@link #encode} and {@link #decode} may be called from any number of threads at once. The native
 * tokenizer is configured once in {@link #load} and only read afterwards (the Rust {@code Tokenizer::encode} and
 * {@code decode} take a shared reference), and this class's own fields are final. {@link #close} must not race with
 * them: after it, encoding throws {@link IllegalStateException}.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Any text whose plain encoding is non-empty; comparing its encodings with and without special tokens shows what
     *  the post-processor adds around a single sequence. */
    private static final String PROBE_TEXT = "a";

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final int[] prefix;
    private final int[] suffix;
    private final int vocabSize;

    private HfTokenizer(Path file, HuggingFaceTokenizer hf, int[] prefix, int[] suffix, int vocabSize) {
        this.file = file;
        this.hf = hf;
        this.prefix = prefix;
        this.suffix = suffix;
        this.vocabSize = vocabSize;
    }

    /**
     * Loads {@code tokenizer.json} from a model directory (or the file itself), and {@code tokenizer_config.json} beside
     * it when there is one.
     */
    public static HfTokenizer load(Path modelDirOrFile) {
        Path file = Files.isDirectory(modelDirOrFile) ? modelDirOrFile.resolve("tokenizer.json") : modelDirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "no such file; a Hugging Face model directory needs its tokenizer.json"
                    + " (or pass a tokenizer explicitly)");
        }
        String text = readString(file);
        JsonNode json = parseJson(file, text);
        if (!json.isObject() || !json.path("model").isObject()) {
            throw new CheckpointException(file, "not a tokenizer.json: it needs a top-level object with a \"model\" object");
        }
        Vocabulary vocabulary = Vocabulary.of(file, json);
        TokenizerConfig config = TokenizerConfig.read(file.resolveSibling("tokenizer_config.json"));

        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                    Map.of("truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, "cannot be loaded by the Hugging Face tokenizers library: " + e.getMessage(), e);
        }
        try {
            int[] plain = toInts(hf.encode(PROBE_TEXT, false, false).getIds());
            int[] full = toInts(hf.encode(PROBE_TEXT, true, false).getIds());
            int at = indexOf(full, plain);
            if (plain.length == 0 || at < 0) {
                throw new CheckpointException(file, "post_processor changes the tokens of the text itself; only"
                        + " post-processors that add special tokens around it are supported");
            }
            int[] prefix = Arrays.copyOfRange(full, 0, at);
            int[] suffix = Arrays.copyOfRange(full, at + plain.length, full.length);
            Integer bosId = specialId(config, "add_bos_token", config.addBos(), "bos_token", config.bosToken(), vocabulary);
            Integer eosId = specialId(config, "add_eos_token", config.addEos(), "eos_token", config.eosToken(), vocabulary);
            prefix = adjustEdge(prefix, config.addBos(), bosId, true);
            suffix = adjustEdge(suffix, config.addEos(), eosId, false);
            int maxId = vocabulary.maxId();
            for (int id : prefix) maxId = Math.max(maxId, id);
            for (int id : suffix) maxId = Math.max(maxId, id);
            return new HfTokenizer(file, hf, prefix, suffix, maxId + 1);
        } catch (RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /** The id of the config's BOS or EOS token; null when the config names none or, if it need not be added, an unknown one. */
    private static Integer specialId(TokenizerConfig config, String addField, Boolean add, String tokenField, String token,
                                     Vocabulary vocabulary) {
        Integer id = token == null ? null : vocabulary.idOf(token);
        if (Boolean.TRUE.equals(add) && id == null) {
            throw new CheckpointException(config.file(), addField + " is true but " + (token == null ? "there is no " + tokenField
                    : tokenField + " '" + token + "' is not a token of " + vocabulary.file().getFileName()));
        }
        return id;
    }

    /**
     * Adds or removes {@code id} at the front (BOS) or back (EOS) of the post-processor's special tokens as the config
     * asks; with no {@code add_*_token} in the config ({@code add} null), the post-processor's choice stands.
     */
    private static int[] adjustEdge(int[] special, Boolean add, Integer id, boolean atFront) {
        if (add == null || id == null) return special;
        boolean present = special.length > 0 && special[atFront ? 0 : special.length - 1] == id;
        if (add && !present) {
            int[] out = new int[special.length + 1];
            System.arraycopy(special, 0, out, atFront ? 1 : 0, special.length);
            out[atFront ? 0 : special.length] = id;
            return out;
        }
        if (!add && present) {
            return atFront ? Arrays.copyOfRange(special, 1, special.length) : Arrays.copyOf(special, special.length - 1);
        }
        return special;
    }

    @Override
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        for (int i = 0; i < ids.length; i++) out[prefix.length + i] = Math.toIntExact(ids[i]);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] asLongs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the vocabulary"
                        + " of " + file + " (0.." + (vocabSize - 1) + ")");
            }
            asLongs[i] = ids[i];
        }
        return hf.decode(asLongs, true);
    }

    /** One more than the largest id the tokenizer can produce (vocabulary, added tokens, BOS/EOS). */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Frees the native tokenizer; see the class comment for what that means for concurrent callers. */
    @Override
    public void close() {
        hf.close();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + "]";
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
    }

    private static JsonNode parseJson(Path file, String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || node.isMissingNode()) throw new CheckpointException(file, "is empty; expected a JSON object");
            return node;
        } catch (JacksonException e) {
            throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /** First index where {@code part} occurs contiguously in {@code whole}, or -1. */
    private static int indexOf(int[] whole, int[] part) {
        for (int start = 0; start + part.length <= whole.length; start++) {
            if (Arrays.equals(whole, start, start + part.length, part, 0, part.length)) return start;
        }
        return -1;
    }

    /** The ids a tokenizer.json defines: its added tokens and its model's vocabulary. */
    private record Vocabulary(Path file, JsonNode addedTokens, JsonNode modelVocab, int maxId) {
        static Vocabulary of(Path file, JsonNode json) {
            JsonNode added = json.path("added_tokens");
            JsonNode vocab = json.path("model").path("vocab");
            int maxId = -1;
            for (JsonNode token : added) {
                maxId = Math.max(maxId, checkedId(file, "added_tokens", token.path("content").asText(), token.path("id")));
            }
            if (vocab.isObject()) {
                // BPE, WordPiece, WordLevel: {"piece": id, ...}
                for (var entry : vocab.properties()) {
                    maxId = Math.max(maxId, checkedId(file, "model.vocab", entry.getKey(), entry.getValue()));
                }
            } else if (vocab.isArray()) {
                // Unigram: [["piece", score], ...], the id is the position
                maxId = Math.max(maxId, vocab.size() - 1);
            } else {
                throw new CheckpointException(file, "model.vocab is missing; expected an object (BPE, WordPiece, WordLevel)"
                        + " or an array (Unigram)");
            }
            if (maxId < 0) throw new CheckpointException(file, "defines no tokens");
            return new Vocabulary(file, added, vocab, maxId);
        }

        private static int checkedId(Path file, String field, String token, JsonNode id) {
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
                throw new CheckpointException(file, field + ": token '" + token + "' has id " + id + ", expected a"
                        + " non-negative integer");
            }
            return id.asInt();
        }

        /** The id of {@code token}, looking in the added tokens first as the library does; null when it has none. */
        Integer idOf(String token) {
            for (JsonNode added : addedTokens) {
                if (token.equals(added.path("content").asText(null))) return added.path("id").asInt();
            }
            if (modelVocab.isObject()) {
                JsonNode id = modelVocab.get(token);
                return id == null ? null : id.asInt();
            }
            for (int i = 0; i < modelVocab.size(); i++) {
                if (token.equals(modelVocab.get(i).path(0).asText(null))) return i;
            }
            return null;
        }
    }

    /**
     * What bellm uses of {@code tokenizer_config.json}; every field may be absent (null), as may the file.
     * Token fields are a plain string or, in older files, an object with a {@code content} string.
     */
    private record TokenizerConfig(Path file, Boolean addBos, Boolean addEos, String bosToken, String eosToken) {
        static TokenizerConfig read(Path file) {
            if (!Files.exists(file)) return new TokenizerConfig(file, null, null, null, null);
            JsonNode json = parseJson(file, readString(file));
            if (!json.isObject()) throw new CheckpointException(file, "expected a JSON object");
            return new TokenizerConfig(file, flag(file, json, "add_bos_token"), flag(file, json, "add_eos_token"),
                    token(file, json, "bos_token"), token(file, json, "eos_token"));
        }

        private static Boolean flag(Path file, JsonNode json, String field) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) return null;
            if (!value.isBoolean()) throw new CheckpointException(file, field + " is " + value + ", expected true or false");
            return value.booleanValue();
        }

        private static String token(Path file, JsonNode json, String field) {
            JsonNode value = json.get(field);
            if (value == null || value.isNull()) return null;
            if (value.isTextual()) return value.textValue();
            if (value.isObject() && value.path("content").isTextual()) return value.path("content").textValue();
            throw new CheckpointException(file, field + " is " + value + ", expected a string or an object with a"
                    + " \"content\" string");
        }
    }
}
