package dev.bellm.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.CheckpointException;
import dev.bellm.tokenizer.hf.TokenizerJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Hugging Face {@code tokenizer.json}, run in pure Java by {@link TokenizerJson}, with the BOS/EOS policy of
 * {@code tokenizer_config.json} applied on top of what the file's post-processor adds.
 *
 * <p>BOS/EOS: {@code add_bos_token} / {@code add_eos_token} from the config win when present (the BOS is added if the
 * post-processor does not already add it, and removed if the config asks for none); when absent, the post-processor
 * decides alone. The tokenizer never truncates or pads: sequence length is the embedder's business.
 *
 * <p>Thread safety: {@link #encode} and {@link #decode} may be called from any number of threads at once; the
 * tokenizer is immutable once loaded (its per-word cache is a concurrent map).
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final TokenizerJson tokenizer;
    private final int[] prefix;
    private final int[] suffix;
    private final int vocabSize;

    private HfTokenizer(Path file, TokenizerJson tokenizer, int[] prefix, int[] suffix, int vocabSize) {
        this.file = file;
        this.tokenizer = tokenizer;
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
        Path configFile = file.resolveSibling("tokenizer_config.json");
        return parse(file, readBytes(file), configFile, Files.exists(configFile) ? readBytes(configFile) : null);
    }

    /**
     * A tokenizer from the bytes of a {@code tokenizer.json} and of its {@code tokenizer_config.json} ({@code null}:
     * there is none); the paths are only named in errors. The fuzz targets come in here.
     */
    static HfTokenizer parse(Path file, byte[] tokenizerJson, Path configFile, byte[] configJson) {
        TokenizerJson tokenizer;
        try {
            tokenizer = TokenizerJson.parse(file, tokenizerJson);
        } catch (CheckpointException e) {
            String detail = e.getMessage().startsWith(file + ": ") ? e.getMessage().substring(file.toString().length() + 2) : e.getMessage();
            if (detail.startsWith("not ") || detail.startsWith("is not valid JSON")) throw e;
            throw new CheckpointException(file, "cannot be loaded: " + detail, e);
        }
        TokenizerConfig config = TokenizerConfig.read(configFile, configJson);
        Integer bosId = specialId(config, "add_bos_token", config.addBos(), "bos_token", config.bosToken(), tokenizer, file);
        Integer eosId = specialId(config, "add_eos_token", config.addEos(), "eos_token", config.eosToken(), tokenizer, file);
        int[] prefix = adjustEdge(tokenizer.prefix(), config.addBos(), bosId, true);
        int[] suffix = adjustEdge(tokenizer.suffix(), config.addEos(), eosId, false);
        int maxId = tokenizer.vocabSize() - 1;
        for (int id : prefix) maxId = Math.max(maxId, id);
        for (int id : suffix) maxId = Math.max(maxId, id);
        return new HfTokenizer(file, tokenizer, prefix, suffix, maxId + 1);
    }

    /** The id of the config's BOS or EOS token; null when the config names none or, if it need not be added, an unknown one. */
    private static Integer specialId(TokenizerConfig config, String addField, Boolean add, String tokenField, String token,
                                     TokenizerJson tokenizer, Path file) {
        Integer id = token == null ? null : tokenizer.idOf(token);
        if (Boolean.TRUE.equals(add) && id == null) {
            throw new CheckpointException(config.file(), addField + " is true but " + (token == null ? "there is no " + tokenField
                    : tokenField + " '" + token + "' is not a token of " + file.getFileName()));
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
        int[] ids = tokenizer.encode(text);
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, ids.length);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    @Override
    public String decode(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the vocabulary"
                        + " of " + file + " (0.." + (vocabSize - 1) + ")");
            }
        }
        return tokenizer.decode(ids);
    }

    /** One more than the largest id the tokenizer can produce (vocabulary, added tokens, BOS/EOS). */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Nothing to free (the tokenizer is plain Java objects); kept so callers may treat tokenizers as resources. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "HfTokenizer[" + file + "]";
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static JsonNode parseJson(Path file, byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
            if (node == null || node.isMissingNode()) throw new CheckpointException(file, "is empty; expected a JSON object");
            return node;
        } catch (JacksonException e) {
            throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * What bellm uses of {@code tokenizer_config.json}; every field may be absent (null), as may the file.
     * Token fields are a plain string or, in older files, an object with a {@code content} string.
     */
    private record TokenizerConfig(Path file, Boolean addBos, Boolean addEos, String bosToken, String eosToken) {
        static TokenizerConfig read(Path file, byte[] bytes) {
            if (bytes == null) return new TokenizerConfig(file, null, null, null, null);
            JsonNode json = parseJson(file, bytes);
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
