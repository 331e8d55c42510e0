package dev.bellm.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JSON object from a checkpoint's config file ({@code config.json}, {@code adapter_config.json},
 * {@code model.safetensors.index.json}) read field by field. Every error names the file and the field
 * (nested objects keep their path, e.g. {@code rope_scaling.factor}), so a bad value is easy to find.
 * A field that is absent and one that is JSON {@code null} mean the same: "use the default".
 */
final class ConfigFile {
    /** As Python's json.load: trailing data after the object is an error; a key given twice is one too (not the last wins). */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final Path path;
    private final JsonNode object;
    private final String prefix;

    private ConfigFile(Path path, JsonNode object, String prefix) {
        this.path = path;
        this.object = object;
        this.prefix = prefix;
    }

    static ConfigFile read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path, "no such file");
        }
        try {
            return parse(path, Files.readAllBytes(path));
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The config whose bytes are {@code json}, {@code path} naming it in errors. */
    static ConfigFile parse(Path path, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CheckpointException(path, "not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(path, "expected a JSON object at the top level");
        }
        return new ConfigFile(path, root, "");
    }

    Path path() {
        return path;
    }

    /** The raw value, or null when the field is absent or JSON null. */
    JsonNode get(String field) {
        JsonNode node = object.get(field);
        return node == null || node.isNull() ? null : node;
    }

    boolean has(String field) {
        return get(field) != null;
    }

    /** An error about {@code field} of this file. */
    CheckpointException error(String field, String problem) {
        return new CheckpointException(path, "'" + prefix + field + "' " + problem);
    }

    /** The nested object {@code field}, or null when absent. */
    ConfigFile object(String field) {
        JsonNode node = get(field);
        if (node == null) return null;
        if (!node.isObject()) throw error(field, "must be a JSON object, got " + node);
        return new ConfigFile(path, node, prefix + field + ".");
    }

    String requireString(String field) {
        JsonNode node = get(field);
        if (node == null) throw error(field, "is missing");
        if (!node.isTextual()) throw error(field, "must be a string, got " + node);
        return node.asText();
    }

    String stringOr(String field, String fallback) {
        return has(field) ? requireString(field) : fallback;
    }

    /** An integer field that must be present and positive (a size or a count). */
    int requirePositiveInt(String field) {
        JsonNode node = get(field);
        if (node == null) throw error(field, "is missing");
        int value = asInt(field, node);
        if (value <= 0) throw error(field, "must be positive, got " + value);
        return value;
    }

    int positiveIntOr(String field, int fallback) {
        return has(field) ? requirePositiveInt(field) : fallback;
    }

    int intOr(String field, int fallback) {
        JsonNode node = get(field);
        return node == null ? fallback : asInt(field, node);
    }

    int asInt(String field, JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw error(field, "must be an integer, got " + node);
        return node.intValue();
    }

    double requirePositiveNumber(String field) {
        JsonNode node = get(field);
        if (node == null) throw error(field, "is missing");
        if (!node.isNumber()) throw error(field, "must be a number, got " + node);
        double value = node.doubleValue();
        if (!(value > 0) || Double.isInfinite(value)) throw error(field, "must be a positive finite number, got " + node);
        return value;
    }

    double positiveNumberOr(String field, double fallback) {
        return has(field) ? requirePositiveNumber(field) : fallback;
    }

    boolean booleanOr(String field, boolean fallback) {
        JsonNode node = get(field);
        if (node == null) return fallback;
        if (!node.isBoolean()) throw error(field, "must be true or false, got " + node);
        return node.booleanValue();
    }
}
