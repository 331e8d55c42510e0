package dev.bellm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.Zoo;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every published-model case of {@code fixtures/zoo}, through the library with only the folder's own settings: the
 * token ids the encoder feeds the model (an independent tokenizer's), and the vector (an independent float64 engine's).
 */
class ZooTest {
    @TestFactory
    List<DynamicTest> everyCaseMatchesWithTheFoldersOwnRecipe() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Zoo.models()) tests.add(DynamicTest.dynamicTest(model, () -> check(model)));
        return tests;
    }

    private static void check(String model) {
        JsonNode m = Zoo.model(model);
        SafetensorsFile expected = SafetensorsFile.open(Zoo.path(m.get("expected").asText()));
        List<String> texts = Zoo.texts();
        Embedder.Builder b = Embedder.builder().model(Zoo.path(model)).threads(2);
        Zoo.adapters(model).forEach(b::adapter);
        try (Embedder e = b.build()) {
            for (JsonNode c : m.get("cases")) {
                String key = c.get("key").asText();
                String text = texts.get(c.get("text_index").asInt());
                String promptName = c.get("prompt_name").isNull() ? null : c.get("prompt_name").asText();
                Integer dims = c.get("dimensions").isNull() ? null : c.get("dimensions").asInt();
                assertArrayEquals(Zoo.ids(c), e.tokens(text, promptName, 0), model + " " + key + ": token ids");
                float[] got = e.embed(List.of(text), promptName, dims, done -> {}).vectors()[0];
                double err = Zoo.error(got, expected.doubles(key));
                assertTrue(err <= Zoo.TOLERANCE, model + " " + key + ": error " + err);
            }
        }
    }
}
