package dev.bellm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm tokenize} against the ids the zoo fixtures and the shared tokenizers' expected files hold. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ZOO = DataDirectory.resolve("fixtures/zoo");
    private static final Path TOKENIZERS = DataDirectory.resolve("tokenizers");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-embedding", "e5-mistral", "llm2vec", "st-dense"})
    void modelDirectoryGivesTheFixtureIds(String model) throws Exception {
        JsonNode cases = JSON.readTree(ZOO.resolve("cases.json").toFile()).get("models").get(model).get("cases");
        List<String> inputs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (JsonNode c : cases) {
            if (c.get("input").asText().matches("(?s).*[\\r\\n].*")) continue; // a line cannot hold a newline
            inputs.add(c.get("input").asText());
            expected.add(c.get("ids").toString());
        }
        assertEquals(expected, tokenize("--model", ZOO.resolve(model).toString(), inputs));
    }

    @Test
    void bareTokenizerJsonHonoursTheConfigBesideItAndEmptyLinesGiveTheEmptyText() throws Exception {
        List<String> sentences = new ArrayList<>();
        JSON.readTree(TOKENIZERS.resolve("sentences.json").toFile()).forEach(s -> sentences.add(s.asText()));
        List<String> expectedLines = Files.readAllLines(TOKENIZERS.resolve("expected/mistral.jsonl"));
        List<String> inputs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String s = sentences.get(i);
            if (s.contains("\n") || s.contains("\r")) continue;
            inputs.add(s);
            expected.add(JSON.readTree(expectedLines.get(i)).toString());
        }
        inputs.add("");
        expected.add("[1]"); // Mistral: add_bos_token, so the empty text is <s> alone
        assertEquals(expected, tokenize("--tokenizer", TOKENIZERS.resolve("mistral/tokenizer.json").toString(), inputs));
    }

    @Test
    void noModelAndNoTokenizerIsAClearError() throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "hello\n");
        CliTestSupport.Run run = CliTestSupport.run("tokenize", "--input", input.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("give --model or --tokenizer"), run.err());
    }

    @Test
    void aBrokenTokenizerNamesTheFileAndField() throws Exception {
        Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"a\":0},"
                + "\"unk_token\":\"a\"},\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":"
                + "{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"special_tokens\":{}}}");
        Path input = Files.writeString(dir.resolve("in.txt"), "hello\n");
        CliTestSupport.Run run = CliTestSupport.run("tokenize", "--tokenizer", tokenizer.toString(), "--input", input.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains(tokenizer.toString()) && run.err().contains("post_processor.single[0].SpecialToken.id"), run.err());
    }

    private List<String> tokenize(String flag, String source, List<String> inputs) throws Exception {
        Path input = dir.resolve("in.txt");
        Path output = dir.resolve("out.jsonl");
        Files.write(input, inputs);
        CliTestSupport.Run run = CliTestSupport.run("tokenize", flag, source, "--input", input.toString(), "--output", output.toString());
        assertEquals(0, run.exitCode(), run.err());
        return Files.readAllLines(output);
    }
}
