package dev.bellm.tokenizer;

import dev.bellm.SharedData;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.DataDirectory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz targets for the pure-Java tokenizer.json: the loader (a hostile tokenizer.json, then a few texts through
 * it) and the encoder (hostile text through real tokenizers). The only exception that may escape is a
 * {@link CheckpointException} naming the file; anything else (a crash, an index out of bounds, a bare
 * RuntimeException, an id outside the vocabulary) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} (the normal test run) each target replays its committed corpus in
 * {@code src/test/resources/dev/bellm/tokenizer/TokenizerFuzzTestInputs/<target>/}, which holds the crash
 * reproductions (made by {@code scripts/tokenizer-fuzz-corpus.py}). With {@code JAZZER_FUZZ=1} one target is fuzzed:
 * see docs/RELIABILITY.md.
 */
@SharedData
class TokenizerFuzzTest {
    private static final String FUZZ_DURATION = "12m";
    private static final long FUZZ_EXECUTIONS = 150_000;
    private static final Path FILE = Path.of("fuzzed/tokenizer.json");
    private static final Path CONFIG = Path.of("fuzzed/tokenizer_config.json");
    private static final List<String> TEXTS = List.of("", "Hello world", " a man is playing a guitar. ", "naïve café 中文 👍🏽",
            "<s>tokens</s> [CLS] 123 4567", "x".repeat(300));
    /** Real tokenizers of each model kind: byte-level BPE with regex, sentencepiece BPE with byte fallback, WordLevel. */
    private static final List<String> ENCODERS = List.of("tokenizers/qwen3", "tokenizers/mistral", "tokenizers/llama3-bos",
            "fixtures/tiny-llama");
    private static final HfTokenizer[] LOADED = new HfTokenizer[ENCODERS.size()];

    private static synchronized HfTokenizer encoder(int index) {
        if (LOADED[index] == null) LOADED[index] = HfTokenizer.load(DataDirectory.resolve(ENCODERS.get(index)));
        return LOADED[index];
    }

    private static void namesTheFile(CheckpointException e) {
        assertTrue(e.getMessage().contains("fuzzed"), () -> "the error does not name the file: " + e.getMessage());
    }

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void loadTokenizerJson(byte[] bytes) {
        HfTokenizer tokenizer;
        try {
            tokenizer = HfTokenizer.parse(FILE, bytes, CONFIG, null);
        } catch (CheckpointException e) {
            namesTheFile(e);
            return;
        }
        for (String text : TEXTS) {
            int[] ids;
            try {
                ids = tokenizer.encode(text);
            } catch (CheckpointException e) {
                namesTheFile(e); // e.g. an unknown word with no unk token
                continue;
            }
            for (int id : ids) assertTrue(id >= 0 && id < tokenizer.vocabSize(), "id " + id + " outside the vocabulary");
            tokenizer.decode(ids);
        }
    }

    /** First byte: which tokenizer; the rest: the text (as UTF-8, malformed bytes replaced as a reader would). */
    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void encodeText(byte[] bytes) {
        if (bytes.length == 0) return;
        HfTokenizer tokenizer = encoder(Math.floorMod(bytes[0], ENCODERS.size()));
        String text = new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8);
        int[] ids = tokenizer.encode(text);
        for (int id : ids) assertTrue(id >= 0 && id < tokenizer.vocabSize(), "id " + id + " outside the vocabulary");
        tokenizer.decode(ids);
    }
}
