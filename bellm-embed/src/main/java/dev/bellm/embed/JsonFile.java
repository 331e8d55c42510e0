package dev.bellm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.io.AtomicFiles;
import dev.bellm.io.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One JSON file of an encoder folder, read field by field; every error names the file and the field. */
final class JsonFile {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Path path;
    final JsonNode root;

    private JsonFile(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    static JsonFile read(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new CheckpointException(path, "not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) throw new CheckpointException(path, "is empty");
        return new JsonFile(path, root);
    }

    /** The file when it exists, else null. */
    static JsonFile readIfPresent(Path path) {
        return Files.isRegularFile(path) ? read(path) : null;
    }

    static void write(Path path, Object value) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        AtomicFiles.write(path, JSON.writeValueAsBytes(value));
    }

    CheckpointException error(String field, String problem) {
        return new CheckpointException(path, "'" + field + "' " + problem);
    }

    JsonNode object() {
        if (!root.isObject()) throw new CheckpointException(path, "expected a JSON object at the top level");
        return root;
    }

    /** The field, or null when absent or JSON null. */
    JsonNode get(String field) {
        JsonNode n = object().get(field);
        return n == null || n.isNull() ? null : n;
    }

    Boolean bool(String field) {
        JsonNode n = get(field);
        if (n == null) return null;
        if (!n.isBoolean()) throw error(field, "must be true or false, got " + n);
        return n.booleanValue();
    }

    String string(String field) {
        JsonNode n = get(field);
        if (n == null) return null;
        if (!n.isTextual()) throw error(field, "must be a string, got " + n);
        return n.asText();
    }

    Integer positiveInt(String field) {
        JsonNode n = get(field);
        if (n == null) return null;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) throw error(field, "must be a positive integer, got " + n);
        return n.intValue();
    }
}
