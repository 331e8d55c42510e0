package dev.bellm.embed;

import dev.bellm.SharedData;
import dev.bellm.Zoo;
import dev.bellm.model.AttentionLayers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A recipe is the folders plus what is stated over them: the folder's own recipe survives the trip. */
@SharedData
class EmbedderRecipeTest {
    private static final String TEXT = "A man is playing a guitar.";

    /** st-dense states mean pooling, two dense heads and normalisation in its folder: a bare recipe keeps all of them. */
    @Test
    void aRecipeWithNothingStatedIsTheFoldersEncoder() {
        EmbedderRecipe recipe = EmbedderRecipe.of(Zoo.path("st-dense"));
        try (Embedder fromFolder = Embedder.load(Zoo.path("st-dense")); Embedder fromRecipe = recipe.builder().build()) {
            assertEquals(fromFolder.spec().pooling(), fromRecipe.spec().pooling());
            assertEquals(fromFolder.spec().dense().size(), fromRecipe.spec().dense().size());
            assertTrue(fromRecipe.spec().normalize() && fromRecipe.spec().dense().size() == 2, fromRecipe.spec().toString());
            assertArrayEquals(fromFolder.embed(TEXT), fromRecipe.embed(TEXT));
        }
    }

    @Test
    void statedSettingsOverrideTheFolder() {
        EmbedderRecipe recipe = new EmbedderRecipe(Zoo.path("st-dense").toString(), null, List.of(), "none", "last", false,
                "query: {text}", null, false, 8, null, true);
        try (Embedder e = recipe.builder().build()) {
            EncoderSpec s = e.spec();
            assertEquals(Pooling.LAST, s.pooling());
            assertEquals(AttentionLayers.causal().toString(), s.attention().toString());
            assertEquals(false, s.normalize());
            assertEquals(8, e.embed(TEXT).length);
            assertEquals(Embedder.Truncation.KEEP_START, s.truncation());
        }
    }

    @Test
    void survivesJsonAndJavaSerialisation() throws Exception {
        EmbedderRecipe recipe = new EmbedderRecipe("/m", "/t", List.of("/a1", "/a2"), "3", "mean", true, "q: {text}", null, true,
                16, 128, false);
        assertEquals(recipe, EmbedderRecipe.fromJson(recipe.toJson()));
        assertEquals(EmbedderRecipe.of(java.nio.file.Path.of("/m")), EmbedderRecipe.fromJson(EmbedderRecipe.of(java.nio.file.Path.of("/m")).toJson()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(recipe);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(recipe, in.readObject());
        }
    }

    /** Index metadata written by the first version: one "adapter" and a numeric first bidirectional layer. */
    @Test
    void readsTheFirstVersionsKeys() {
        EmbedderRecipe old = EmbedderRecipe.fromMap(Map.of("model", "/m", "adapter", "/a", "bidirectional_from", 4, "pooling", "mean",
                "normalize", true));
        assertEquals(List.of("/a"), old.adapters());
        assertEquals("4", old.bidirectionalFrom());
        assertEquals(true, old.normalize());
        assertEquals(null, old.truncate());
    }

    @Test
    void badValuesAreRefusedWithTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new EmbedderRecipe("/m", null, null, "four", null, null, null,
                null, null, null, null, null)).getMessage().contains("bidirectional_from"));
        assertThrows(IllegalArgumentException.class, () -> EmbedderRecipe.fromJson("{\"model\": \"/m\", \"normalize\": \"yes\"}"));
        assertThrows(IllegalArgumentException.class, () -> EmbedderRecipe.fromJson("{\"pooling\": \"mean\"}"));
        assertNotEquals(EmbedderRecipe.of(java.nio.file.Path.of("/m")), EmbedderRecipe.of(java.nio.file.Path.of("/m")).withPrompt("x {text}"));
    }
}
