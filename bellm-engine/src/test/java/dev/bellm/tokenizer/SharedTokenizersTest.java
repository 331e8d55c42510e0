package dev.bellm.tokenizer;

import dev.bellm.SharedData;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real tokenizers of {@code ../shared/tokenizers} against two independent implementations: the ids the JavaScript
 * pipeline of transformers.js computed ({@code expected/NAME.jsonl}), and the Rust library through DJL (test scope).
 */
@SharedData
class SharedTokenizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = DataDirectory.resolve("tokenizers");
    private static List<String> sentences;

    @BeforeAll
    static void readSentences() throws IOException {
        sentences = new ArrayList<>();
        JSON.readTree(ROOT.resolve("sentences.json").toFile()).forEach(s -> sentences.add(s.textValue()));
        assertEquals(2200, sentences.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "qwen3-eos", "llama3", "llama3-bos", "mistral", "gemma3"})
    void idsMatchTheIndependentJavaScriptImplementation(String name) throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("expected").resolve(name + ".jsonl"));
        assertEquals(sentences.size(), lines.size());
        HfTokenizer tokenizer = HfTokenizer.load(ROOT.resolve(name));
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            int[] expected = ids(JSON.readTree(lines.get(i)));
            int[] got = tokenizer.encode(sentences.get(i));
            if (!Arrays.equals(expected, got)) mismatches.add(describe(i, expected, got));
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(5, mismatches.size())), mismatches.size() + " mismatches in " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "qwen3-eos", "llama3", "llama3-bos", "mistral", "gemma3"})
    void idsMatchTheRustLibrary(String name) throws IOException {
        HfTokenizer tokenizer = HfTokenizer.load(ROOT.resolve(name));
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(ROOT.resolve(name).resolve("tokenizer.json"),
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true"))) {
            for (int i = 0; i < sentences.size(); i++) {
                long[] ids = rust.encode(sentences.get(i), true, false).getIds();
                int[] expected = Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
                int[] got = tokenizer.encode(sentences.get(i));
                if (!Arrays.equals(expected, got)) mismatches.add(describe(i, expected, got));
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(5, mismatches.size())), mismatches.size() + " mismatches in " + name);
    }

    private String describe(int i, int[] expected, int[] got) {
        String s = sentences.get(i);
        return "sentence " + i + " " + JSON.valueToTree(s.length() > 80 ? s.substring(0, 80) : s) + ": expected "
                + Arrays.toString(expected) + " got " + Arrays.toString(got);
    }

    private static int[] ids(JsonNode list) {
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = list.get(i).asInt();
        return ids;
    }
}
