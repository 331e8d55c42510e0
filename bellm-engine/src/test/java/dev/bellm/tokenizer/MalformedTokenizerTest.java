package dev.bellm.tokenizer;

import dev.bellm.io.CheckpointException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's crash reproductions (in the fuzz corpus) and other malformed files: each is a {@link CheckpointException}
 * naming the file and the JSON path of the defect, at load or, for an unknown word without an unk token, at encode.
 */
class MalformedTokenizerTest {
    private static final Path FILE = Path.of("corpus/tokenizer.json");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "issue11-template-unlisted-special-token|post_processor.single[0].SpecialToken.id|'<cls>', which post_processor.special_tokens does not list",
            "issue11-template-sequence-b-in-single|post_processor.single[2].Sequence.id|refers to sequence B",
            "issue11-precompiled-truncated-trie|normalizer.precompiled_charsmap|truncated",
            "issue11-precompiled-size-beyond-blob|normalizer.precompiled_charsmap|states a trie of 1073741824 bytes",
            "issue11-precompiled-not-base64|normalizer.precompiled_charsmap|not base64",
            "issue11-replace-empty-pattern-before-bytelevel|normalizer.pattern.String|the pattern is empty",
            "unknown-normalizer-type|normalizer.type|unknown normalizer type 'NoSuchNormalizer'",
            "vocab-id-huge|model.vocab.a|expected a token id",
            "merge-part-missing|model.merges[0]|merge part 'c' is not in model.vocab",
            "not-json|is not valid JSON|line 1",
    })
    void loadingFailsNamingFileAndField(String corpusFile, String path, String message) throws IOException {
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.parse(FILE, corpus(corpusFile), null, null));
        assertTrue(e.getMessage().startsWith(FILE.toString()) && e.getMessage().contains(path) && e.getMessage().contains(message),
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "issue11-unknown-word-no-unk|model|'guitars', which is not in model.vocab, and the model has no unk_token",
            "issue11-unk-token-not-in-vocab|model.unk_token|unk_token '<missing>' is not in model.vocab",
            "regex-catastrophic-backtracking|pre_tokenizer|backtracks without bound",
    })
    void encodingFailsNamingFileAndField(String corpusFile, String path, String message) throws IOException {
        HfTokenizer tokenizer = HfTokenizer.parse(FILE, corpus(corpusFile), null, null);
        assertTrue(tokenizer.encode("a man").length > 0 || corpusFile.startsWith("regex"));
        String text = corpusFile.startsWith("regex") ? "x".repeat(40) : "a man is playing guitars";
        CheckpointException e = assertThrows(CheckpointException.class, () -> tokenizer.encode(text));
        assertTrue(e.getMessage().startsWith(FILE.toString()) && e.getMessage().contains(path + ": ") && e.getMessage().contains(message),
                e.getMessage());
    }

    private static byte[] corpus(String name) throws IOException {
        try (InputStream in = MalformedTokenizerTest.class.getResourceAsStream("TokenizerFuzzTestInputs/loadTokenizerJson/" + name)) {
            return in.readAllBytes();
        }
    }
}
