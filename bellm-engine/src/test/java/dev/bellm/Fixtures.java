package dev.bellm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The shared fixtures: {@code cases.json} and the paths beside it. */
public final class Fixtures {
    private static JsonNode cases;

    private Fixtures() {}

    public static Path dir() {
        return DataDirectory.resolve("fixtures");
    }

    public static Path path(String name) {
        return dir().resolve(name);
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

    /** {@code ids.plain[i]} or {@code ids.prompt[i]}. */
    public static int[] ids(String input, int i) {
        JsonNode node = cases().get("ids").get(input).get(i);
        int[] ids = new int[node.size()];
        for (int k = 0; k < ids.length; k++) ids[k] = node.get(k).asInt();
        return ids;
    }

    public static int textCount() {
        return cases().get("texts").size();
    }

    /** Largest absolute difference between a and b, relative to the largest absolute entry of the expected b. */
    public static double relativeError(float[] actual, double[] expected) {
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        return maxDiff / maxAbs;
    }

    /** Cosine similarity of two vectors, in double. */
    public static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
