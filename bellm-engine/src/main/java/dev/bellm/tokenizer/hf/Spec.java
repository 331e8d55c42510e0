package dev.bellm.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.io.CheckpointException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of a {@code tokenizer.json} with the JSON path that leads to it, so that every complaint about the file names
 * the file and the exact field ({@code post_processor.special_tokens.X.ids[0]}).
 */
record Spec(Path file, String path, JsonNode node) {
    CheckpointException error(String message) {
        return new CheckpointException(file, (path.isEmpty() ? "" : path + ": ") + message);
    }

    CheckpointException error(String message, Throwable cause) {
        return new CheckpointException(file, (path.isEmpty() ? "" : path + ": ") + message, cause);
    }

    String childPath(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** The field, possibly absent or null (then {@link #isNull()}). */
    Spec get(String field) {
        JsonNode child = node.get(field);
        return new Spec(file, childPath(field), child == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : child);
    }

    Spec at(int index) {
        return new Spec(file, path + "[" + index + "]", node.get(index));
    }

    /** Element {@code index} of an array that was read apart from the tree (merges): the path only. */
    Spec atPath(int index) {
        return new Spec(file, path + "[" + index + "]", com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    boolean isNull() {
        return node == null || node.isNull() || node.isMissingNode();
    }

    boolean has(String field) {
        return !get(field).isNull();
    }

    Spec object() {
        if (!node.isObject()) throw error("expected a JSON object, found " + describe());
        return this;
    }

    /** The elements of this array. */
    List<Spec> elements() {
        if (!node.isArray()) throw error("expected a JSON array, found " + describe());
        List<Spec> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) out.add(at(i));
        return out;
    }

    String text() {
        if (!node.isTextual()) throw error("expected a string, found " + describe());
        return node.textValue();
    }

    /** The component's {@code type} string. */
    String type() {
        object();
        return get("type").text();
    }

    String text(String field) {
        return get(field).text();
    }

    String text(String field, String otherwise) {
        Spec child = get(field);
        return child.isNull() ? otherwise : child.text();
    }

    boolean bool(String field, boolean otherwise) {
        Spec child = get(field);
        if (child.isNull()) return otherwise;
        if (!child.node.isBoolean()) throw child.error("expected true or false, found " + child.describe());
        return child.node.booleanValue();
    }

    int nonNegativeInt() {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            throw error("expected a non-negative integer, found " + describe());
        }
        return node.intValue();
    }

    int nonNegativeInt(String field, int otherwise) {
        Spec child = get(field);
        return child.isNull() ? otherwise : child.nonNegativeInt();
    }

    double number() {
        if (!node.isNumber() || !Double.isFinite(node.doubleValue())) throw error("expected a finite number, found " + describe());
        return node.doubleValue();
    }

    /** A single character given as a one-character string (e.g. Metaspace's {@code replacement}). */
    int codePoint(String field, int otherwise) {
        Spec child = get(field);
        if (child.isNull()) return otherwise;
        String s = child.text();
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) throw child.error("expected a single character, found " + child.describe());
        return s.codePointAt(0);
    }

    String describe() {
        if (node == null || node.isMissingNode()) return "nothing (the field is missing)";
        String s = node.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    CheckpointException unknownType(String kind, String type) {
        return error("unknown " + kind + " type '" + type + "'");
    }
}
