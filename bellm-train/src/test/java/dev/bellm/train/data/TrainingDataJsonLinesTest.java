package dev.bellm.train.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AnglE's JSON Lines: hand-written files, the round trip, and one error per kind of bad row. */
class TrainingDataJsonLinesTest {
    @TempDir
    Path dir;

    @Test
    void readsHandWrittenTripletsSkippingBlankLinesAndIgnoringOtherFields() throws IOException {
        Path file = dir.resolve("triplets.jsonl");
        Files.writeString(file, """
                {"text": "a cat sits", "positive": "a cat is sitting", "negative": "a dog runs"}

                {"negative": "n", "positive": "p", "text": "t", "source": "hand"}
                   \t
                """);
        assertEquals(List.of(new Triplet("a cat sits", "a cat is sitting", "a dog runs"), new Triplet("t", "p", "n")),
                TrainingData.read(file));
    }

    @Test
    void readsHandWrittenScoredPairsWithIntegerAndFractionalLabels() throws IOException {
        Path file = dir.resolve("pairs.jsonl");
        Files.writeString(file, """
                {"text1": "x", "text2": "y", "label": 1}
                {"text1": "x", "text2": "z", "label": 0.25}
                {"text1": "w", "text2": "v", "label": -3e-2}
                """);
        assertEquals(List.of(new ScoredPair("x", "y", 1), new ScoredPair("x", "z", 0.25), new ScoredPair("w", "v", -0.03)),
                TrainingData.read(file));
    }

    @Test
    void tripletsSurviveTheRoundTrip() {
        List<Example> triplets = List.of(
                new Triplet("quotes \" and \\ backslash", "tab\there, newline\nhere", "unicode: naïve — 日本語 😀"),
                new Triplet("  leading and trailing spaces  ", "{\"text\": \"json inside\"}", "plain"));
        Path file = dir.resolve("t.jsonl");
        TrainingData.write(file, triplets);
        assertEquals(triplets, TrainingData.read(file));
    }

    @Test
    void scoredPairsSurviveTheRoundTripWithExactLabels() {
        List<Example> pairs = List.of(new ScoredPair("a", "b", 0.1), new ScoredPair("a", "c", 4.8),
                new ScoredPair("d", "e", 1e-7), new ScoredPair("f", "g", 1.0 / 3), new ScoredPair("h", "i", -2));
        Path file = dir.resolve("p.jsonl");
        TrainingData.write(file, pairs);
        assertEquals(pairs, TrainingData.read(file));
    }

    @Test
    void writeWritesOneObjectPerLineInAnglesFieldNames() throws IOException {
        Path file = dir.resolve("p.jsonl");
        TrainingData.write(file, List.of(new ScoredPair("a", "b", 0.5)));
        assertEquals(List.of("{\"text1\":\"a\",\"text2\":\"b\",\"label\":0.5}"), Files.readAllLines(file));
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, "old content that is not JSON\n".repeat(100));
        TrainingData.write(file, List.of(new Triplet("t", "p", "n")));
        assertEquals(List.of(new Triplet("t", "p", "n")), TrainingData.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void writeRefusesMixedKindsAndLeavesTheTargetAlone() throws IOException {
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, "before\n");
        var error = assertThrows(IllegalArgumentException.class,
                () -> TrainingData.write(file, List.of(new Triplet("t", "p", "n"), new ScoredPair("a", "b", 1))));
        assertTrue(error.getMessage().contains("example 1"), error.getMessage());
        assertEquals("before\n", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void writeIntoAMissingDirectoryCreatesIt() {
        Path file = dir.resolve("no-such-dir").resolve("data.jsonl");
        TrainingData.write(file, List.of(new Triplet("t", "p", "n")));
        assertEquals(List.of(new Triplet("t", "p", "n")), TrainingData.read(file));
    }

    @Test
    void writeWhereADirectoryCannotBeMadeFailsNamingTheFile() throws IOException {
        Files.writeString(dir.resolve("a-file"), "");
        Path file = dir.resolve("a-file").resolve("data.jsonl");
        var error = assertThrows(UncheckedIOException.class, () -> TrainingData.write(file, List.of(new Triplet("t", "p", "n"))));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    }

    @Test
    void readingAMissingFileFailsNamingIt() {
        Path file = dir.resolve("missing.jsonl");
        var error = assertThrows(UncheckedIOException.class, () -> TrainingData.read(file));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    }

    @Test
    void anEmptyFileHoldsNoExamples() throws IOException {
        Path file = dir.resolve("empty.jsonl");
        Files.writeString(file, "\n\n");
        assertEquals(List.of(), TrainingData.read(file));
    }

    static Stream<Arguments> badFiles() {
        String triplet = "{\"text\": \"t\", \"positive\": \"p\", \"negative\": \"n\"}";
        String pair = "{\"text1\": \"a\", \"text2\": \"b\", \"label\": 0.5}";
        return Stream.of(
                Arguments.of("not JSON", List.of(triplet, "{\"text\": \"t\", \"positive\": "), 2, "not JSON"),
                Arguments.of("text after the object", List.of(triplet, triplet + " {}"), 2, "not JSON"),
                Arguments.of("duplicate field", List.of("{\"text\": \"t\", \"text\": \"u\", \"positive\": \"p\", \"negative\": \"n\"}"), 1,
                        "not JSON"),
                Arguments.of("not an object", List.of(pair, "", "[\"a\", \"b\", 1]"), 3, "expected a JSON object, found array"),
                Arguments.of("missing field", List.of(triplet, triplet, "{\"text\": \"t\", \"positive\": \"p\"}"), 3,
                        "missing field 'negative'"),
                Arguments.of("missing label", List.of("{\"text1\": \"a\", \"text2\": \"b\"}"), 1, "missing field 'label'"),
                Arguments.of("no known field", List.of("{\"sentence\": \"a\"}"), 1, "has neither the triplet fields"),
                Arguments.of("fields of both kinds", List.of("{\"text\": \"t\", \"positive\": \"p\", \"negative\": \"n\", \"label\": 1}"), 1,
                        "mixes triplet fields"),
                Arguments.of("text not a string", List.of(pair, "{\"text1\": 7, \"text2\": \"b\", \"label\": 0.5}"), 2,
                        "field 'text1' must be a string, found number 7"),
                Arguments.of("text null", List.of("{\"text\": \"t\", \"positive\": null, \"negative\": \"n\"}"), 1,
                        "field 'positive' must be a string, found null"),
                Arguments.of("empty text", List.of(triplet, "{\"text\": \"t\", \"positive\": \"p\", \"negative\": \"\"}"), 2,
                        "negative is empty"),
                Arguments.of("blank text", List.of("{\"text1\": \" \\t \", \"text2\": \"b\", \"label\": 0.5}"), 1, "text1 is empty"),
                Arguments.of("label a string", List.of(pair, pair, pair, "{\"text1\": \"a\", \"text2\": \"b\", \"label\": \"0.5\"}"), 4,
                        "field 'label' must be a number, found string \"0.5\""),
                Arguments.of("label a boolean", List.of("{\"text1\": \"a\", \"text2\": \"b\", \"label\": true}"), 1,
                        "field 'label' must be a number, found boolean"),
                Arguments.of("label overflows", List.of("{\"text1\": \"a\", \"text2\": \"b\", \"label\": 1e400}"), 1, "not a finite number"),
                Arguments.of("kinds mixed", List.of(triplet, "", triplet, pair), 4, "a scored pair in a file of triplets (line 1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadRowIsReportedWithTheFileAndItsLineNumber(String what, List<String> lines, int badLine, String expected) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(file));
        assertTrue(error.getMessage().startsWith(file + ":" + badLine + ": "), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void bytesThatAreNotUtf8AreReportedWithTheFile() throws IOException {
        Path file = dir.resolve("latin1.jsonl");
        byte[] first = "{\"text1\": \"a\", \"text2\": \"b\", \"label\": 1}\n".getBytes(StandardCharsets.UTF_8);
        byte[] second = "{\"text1\": \"caf\u00e9\", \"text2\": \"b\", \"label\": 1}\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        Files.write(file, both);
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(file));
        assertEquals(file + ":2: not valid UTF-8 (byte 0xE9 at byte column 15); save the text as UTF-8", error.getMessage());
    }
}
