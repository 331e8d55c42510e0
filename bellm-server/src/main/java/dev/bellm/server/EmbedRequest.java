package dev.bellm.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One embedding request, whichever API it came through: inputs (texts, or token ids as the model sees them),
 * the served model, and what to do with long inputs and with the vectors.
 *
 * @param texts       one entry per input: a text, or null where {@code tokenIds} has the input
 * @param tokenIds    one entry per input: token ids given by the client, or null for a text
 * @param model       the served model's name; null for the base
 * @param truncate    cut inputs over the token limit instead of refusing them
 * @param keepEnd     when truncating, keep the last tokens (TEI's {@code truncation_direction: Left})
 * @param normalize   L2-normalise the vectors (after cutting them to {@code dimensions})
 * @param dimensions  Matryoshka width (the recipe's rule: cut, renormalised when it normalises); null for the recipe's
 * @param promptName  the recipe's named prompt (TEI's {@code prompt_name}); null for its default
 * @param base64      OpenAI's {@code encoding_format: base64}
 */
record EmbedRequest(List<String> texts, List<int[]> tokenIds, String model, boolean truncate, boolean keepEnd,
                    boolean normalize, Integer dimensions, String promptName, boolean base64) {

    int size() {
        return texts.size();
    }

    /** OpenAI's {@code POST /v1/embeddings} body. */
    static EmbedRequest openAi(JsonNode body, boolean defaultNormalize) {
        requireObject(body);
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) throw ApiException.invalid("model", "you must provide a model parameter");
        if (!model.isTextual()) throw ApiException.invalid("model", "'model' must be a string");
        List<String> texts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        readOpenAiInput(body.get("input"), texts, ids);
        String format = optionalText(body, "encoding_format");
        boolean base64 = false;
        if (format != null) {
            switch (format) {
                case "float" -> base64 = false;
                case "base64" -> base64 = true;
                default -> throw ApiException.invalid("encoding_format", "'encoding_format' must be 'float' or 'base64', got '" + format + "'");
            }
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) throw ApiException.invalid("user", "'user' must be a string");
        return new EmbedRequest(texts, ids, model.asText(), false, false, defaultNormalize, optionalPositiveInt(body, "dimensions"), null, base64);
    }

    /** text-embeddings-inference's {@code POST /embed} body; {@code model} is bellm's addition (an adapter name). */
    static EmbedRequest tei(JsonNode body) {
        requireObject(body);
        List<String> texts = teiInputs(body);
        List<int[]> ids = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) ids.add(null);
        String direction = optionalText(body, "truncation_direction");
        boolean keepEnd = false;
        if (direction != null) {
            switch (direction.toLowerCase(Locale.ROOT)) {
                case "right" -> keepEnd = false;
                case "left" -> keepEnd = true;
                default -> throw ApiException.unprocessable("truncation_direction",
                        "'truncation_direction' must be 'Left' or 'Right', got '" + direction + "'", "validation");
            }
        }
        return new EmbedRequest(texts, ids, optionalText(body, "model"), optionalBoolean(body, "truncate", false), keepEnd,
                optionalBoolean(body, "normalize", true), optionalPositiveInt(body, "dimensions"), optionalText(body, "prompt_name"), false);
    }

    /** TEI's {@code inputs}: a string or an array of strings. */
    static List<String> teiInputs(JsonNode body) {
        requireObject(body);
        JsonNode inputs = body.get("inputs");
        if (inputs == null || inputs.isNull()) throw ApiException.invalid("inputs", "missing field 'inputs'");
        List<String> texts = new ArrayList<>();
        if (inputs.isTextual()) {
            texts.add(inputs.asText());
        } else if (inputs.isArray()) {
            for (int i = 0; i < inputs.size(); i++) {
                if (!inputs.get(i).isTextual()) throw ApiException.invalid("inputs", "'inputs[" + i + "]' must be a string");
                texts.add(inputs.get(i).asText());
            }
        } else {
            throw ApiException.invalid("inputs", "'inputs' must be a string or an array of strings");
        }
        if (texts.isEmpty()) throw ApiException.invalid("inputs", "'inputs' is empty");
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) throw ApiException.invalid("inputs", "'inputs[" + i + "]' is an empty string");
        }
        return texts;
    }

    /** OpenAI's {@code input}: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private static void readOpenAiInput(JsonNode input, List<String> texts, List<int[]> ids) {
        if (input == null || input.isNull()) throw ApiException.invalid("input", "you must provide an input parameter");
        if (input.isTextual()) {
            addText(input.asText(), "input", texts, ids);
            return;
        }
        if (!input.isArray()) throw ApiException.invalid("input", "'input' must be a string, an array of strings or an array of token arrays");
        if (input.isEmpty()) throw ApiException.invalid("input", "'input' is an empty array");
        if (input.get(0).isNumber()) { // one input given as token ids
            texts.add(null);
            ids.add(tokenIds(input, "input"));
            return;
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String where = "input[" + i + "]";
            if (item.isTextual()) {
                addText(item.asText(), where, texts, ids);
            } else if (item.isArray()) {
                texts.add(null);
                ids.add(tokenIds(item, where));
            } else {
                throw ApiException.invalid("input", "'" + where + "' must be a string or an array of token ids");
            }
        }
    }

    private static void addText(String text, String where, List<String> texts, List<int[]> ids) {
        if (text.isEmpty()) throw ApiException.invalid("input", "'" + where + "' is an empty string");
        texts.add(text);
        ids.add(null);
    }

    private static int[] tokenIds(JsonNode array, String where) {
        if (array.isEmpty()) throw ApiException.invalid("input", "'" + where + "' is an empty token array");
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw ApiException.invalid("input", "'" + where + "[" + i + "]' must be an integer token id");
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    private static void requireObject(JsonNode body) {
        if (!body.isObject()) throw ApiException.invalid(null, "the request body must be a JSON object");
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiException.invalid(field, "'" + field + "' must be a string");
        return n.asText();
    }

    private static boolean optionalBoolean(JsonNode body, String field, boolean otherwise) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return otherwise;
        if (!n.isBoolean()) throw ApiException.invalid(field, "'" + field + "' must be true or false");
        return n.asBoolean();
    }

    private static Integer optionalPositiveInt(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
            throw ApiException.invalid(field, "'" + field + "' must be a positive integer");
        }
        return n.intValue();
    }
}
