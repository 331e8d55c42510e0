package dev.bellm.tokenizer;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class HfTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = DataDirectory.resolve("fixtures");
    /** The fixtures' tokenizer_config.json names these; the post-processor template adds BOS id 1. */
    private static final int BOS = 1;
    private static final int EOS = 2;

    private static List<String> texts;
    private static List<String> prompts;
    private static List<int[]> plainIds;
    private static List<int[]> promptIds;

    @BeforeAll
    static void readCases() throws IOException {
        JsonNode cases = JSON.readTree(FIXTURES.resolve("cases.json").toFile());
        texts = new ArrayList<>();
        cases.get("texts").forEach(t -> texts.add(t.asText()));
        String prompt = cases.get("prompt").asText();
        prompts = texts.stream().map(t -> prompt.replace("{text}", t)).toList();
        plainIds = idLists(cases.get("ids").get("plain"));
        promptIds = idLists(cases.get("ids").get("prompt"));
        assertEquals(texts.size(), plainIds.size());
        assertEquals(texts.size(), promptIds.size());
    }

    private static List<int[]> idLists(JsonNode lists) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode list : lists) {
            int[] ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = list.get(i).asInt();
            out.add(ids);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-llama-bf16-sharded", "tiny-qwen2", "tiny-qwen3"})
    void reproducesTheFixtureIdsOfTextsAndPrompts(String model) {
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve(model))) {
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(plainIds.get(i), tokenizer.encode(texts.get(i)), model + " text " + i + ": " + texts.get(i));
                assertArrayEquals(promptIds.get(i), tokenizer.encode(prompts.get(i)), model + " prompt " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3"})
    void vocabSizeIsTheModelsVocabSize(String model) throws IOException {
        int configured = JSON.readTree(FIXTURES.resolve(model).resolve("config.json").toFile()).get("vocab_size").asInt();
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve(model))) {
            assertEquals(configured, tokenizer.vocabSize());
            tokenizer.checkFits(configured, FIXTURES.resolve(model));
        }
    }

    @Test
    void checkFitsRejectsAModelWithFewerRows() {
        Path where = FIXTURES.resolve("tiny-llama");
        try (HfTokenizer tokenizer = HfTokenizer.load(where)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> tokenizer.checkFits(1000, where));
            assertTrue(e.getMessage().contains("tokenizer has 1507 tokens but the model's vocab_size is 1000"), e.getMessage());
            assertTrue(e.getMessage().contains(where.toString()), e.getMessage());
        }
    }

    @Test
    void longTextsAreNotTruncated() {
        // 3000 words: beyond the config's model_max_length (2048) and DJL's default limit (512)
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve("tiny-llama"))) {
            int[] ids = tokenizer.encode("the ".repeat(3000));
            assertEquals(1 + 3000, ids.length);
            assertEquals(BOS, ids[0]);
            int the = tokenizer.encode("the")[1];
            assertTrue(Arrays.stream(ids, 1, ids.length).allMatch(id -> id == the));
        }
    }

    @Test
    void encodeIsSafeFromManyThreadsAtOnce() throws Exception {
        List<String> all = new ArrayList<>(texts);
        all.addAll(prompts);
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve("tiny-llama"))) {
            ConcurrentEncoding.assertSameAsSequential(tokenizer, all);
        }
    }

    @Test
    void decodeDropsSpecialTokensAndJoinsTheWords() {
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve("tiny-llama"))) {
            // the fixture is a lowercasing WordLevel model split on whitespace and punctuation, with no decoder: words
            // come back lowercased and space-separated; <s> is special, so it is dropped
            assertEquals("a man is playing a guitar .", tokenizer.decode(plainIds.get(0)));
            assertEquals("two dogs run on the beach", tokenizer.decode(plainIds.get(2)));
        }
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        try (HfTokenizer tokenizer = HfTokenizer.load(FIXTURES.resolve("tiny-llama"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {1, 1507}));
            assertTrue(e.getMessage().contains("1507") && e.getMessage().contains("position 1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
        }
    }

    @Test
    void configAskingForNoBosRemovesThePostProcessorsBos(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> {}, config -> config.put("add_bos_token", false));
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            for (int i = 0; i < texts.size(); i++) {
                int[] withBos = plainIds.get(i);
                assertArrayEquals(Arrays.copyOfRange(withBos, 1, withBos.length), tokenizer.encode(texts.get(i)));
            }
        }
    }

    @Test
    void configAskingForBosAddsItWhenThePostProcessorDoesNot(@TempDir Path dir) throws IOException {
        // no post-processor at all, and bos_token in the older {"content": ...} form
        writeVariant(dir, tokenizerJson -> tokenizerJson.putNull("post_processor"),
                config -> config.putObject("bos_token").put("content", "<s>").put("special", true));
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(plainIds.get(i), tokenizer.encode(texts.get(i)));
        }
    }

    @Test
    void withoutConfigFlagsThePostProcessorDecides(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> {}, config -> config.remove("add_bos_token"));
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            assertArrayEquals(plainIds.get(0), tokenizer.encode(texts.get(0)));
        }
    }

    @Test
    void configAskingForEosAppendsIt(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> {}, config -> config.put("add_eos_token", true));
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            for (int i = 0; i < texts.size(); i++) {
                int[] expected = Arrays.copyOf(plainIds.get(i), plainIds.get(i).length + 1);
                expected[expected.length - 1] = EOS;
                assertArrayEquals(expected, tokenizer.encode(texts.get(i)));
            }
            assertArrayEquals(new int[] {BOS, EOS}, tokenizer.encode(""));
        }
    }

    @Test
    void configAskingForAnUnknownBosTokenIsAClearError(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> {}, config -> config.put("bos_token", "<|begin|>"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("bos_token '<|begin|>'"),
                e.getMessage());
    }

    @Test
    void malformedConfigFieldIsAClearError(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> {}, config -> config.put("add_bos_token", "yes"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("add_bos_token"), e.getMessage());
    }

    @Test
    void missingTokenizerJsonNamesThePath(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    @Test
    void unparseableTokenizerJsonIsAClearError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void jsonThatIsNotATokenizerIsAClearError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "[1, 2, 3]");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("not a tokenizer.json"), e.getMessage());
    }

    @Test
    void tokenizerTheLibraryRejectsIsAClearError(@TempDir Path dir) throws IOException {
        writeVariant(dir, tokenizerJson -> ((ObjectNode) tokenizerJson.get("model")).put("type", "NoSuchModel"), config -> {});
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("cannot be loaded"), e.getMessage());
    }

    /** A copy of tiny-llama's tokenizer files in {@code dir}, edited by the two callbacks. */
    private static void writeVariant(Path dir, Consumer<ObjectNode> editTokenizer, Consumer<ObjectNode> editConfig) throws IOException {
        Path source = FIXTURES.resolve("tiny-llama");
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(source.resolve("tokenizer.json").toFile());
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("tokenizer_config.json").toFile());
        editTokenizer.accept(tokenizer);
        editConfig.accept(config);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    }
}
