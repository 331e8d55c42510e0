package dev.bellm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The published-model layouts of {@code fixtures/zoo} and their {@code cases.json} (see its README). */
public final class Zoo {
    private static JsonNode cases;

    private Zoo() {}

    public static Path path(String name) {
        return Fixtures.path("zoo").resolve(name);
    }

    public static synchronized JsonNode cases() {
        if (cases == null) {
            try {
                cases = new ObjectMapper().readTree(path("cases.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cases;
    }

    public static List<String> texts() {
        List<String> t = new ArrayList<>();
        cases().get("texts").forEach(n -> t.add(n.asText()));
        return t;
    }

    /** The model names: qwen3-embedding, gte-qwen2, e5-mistral, llm2vec, st-dense. */
    public static List<String> models() {
        List<String> names = new ArrayList<>();
        cases().get("models").fieldNames().forEachRemaining(names::add);
        return names;
    }

    public static JsonNode model(String name) {
        return cases().get("models").get(name);
    }

    /** The adapter folders of a model, in the order they apply. */
    public static List<Path> adapters(String model) {
        List<Path> a = new ArrayList<>();
        model(model).get("adapters").forEach(n -> a.add(path(n.asText())));
        return a;
    }

    public static int[] ids(JsonNode c) {
        int[] ids = new int[c.get("ids").size()];
        for (int k = 0; k < ids.length; k++) ids[k] = c.get("ids").get(k).asInt();
        return ids;
    }

    /** The README's tolerance: {@code max|got − exp| / max(1, max|exp|)}. */
    public static double error(float[] got, double[] expected) {
        if (got.length != expected.length) return Double.POSITIVE_INFINITY;
        double maxAbs = 1, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
        }
        return maxDiff / maxAbs;
    }

    public static final double TOLERANCE = 1e-4;

    /** An encoder under test, as the zoo cases call it: text and prompt name (or null) in, vector out. */
    public interface Encoder {
        float[] embed(String text, String promptName);
    }

    /** The largest {@link #error} over a model's published cases (those at the full dimension). */
    public static double worstError(String model, Encoder encoder) {
        JsonNode m = model(model);
        dev.bellm.io.SafetensorsFile expected = dev.bellm.io.SafetensorsFile.open(path(m.get("expected").asText()));
        double worst = 0;
        for (JsonNode c : m.get("cases")) {
            if (!c.get("dimensions").isNull()) continue;
            String promptName = c.get("prompt_name").isNull() ? null : c.get("prompt_name").asText();
            float[] got = encoder.embed(texts().get(c.get("text_index").asInt()), promptName);
            worst = Math.max(worst, error(got, expected.doubles(c.get("key").asText())));
        }
        return worst;
    }
}
