package dev.bellm.cli;

import dev.bellm.Fixtures;
import dev.bellm.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI half of issue 11: bad bytes name file and line, NaN is never written, JVM errors are one line. */
class ReliabilityCliTest {
    @TempDir
    Path dir;

    private static final byte[] BAD_SECOND_LINE = {'a', ' ', 'c', 'a', 't', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'};

    @Test
    void invalidUtf8InTheInputFileNamesTheFileAndLine() throws Exception {
        Path input = Files.write(dir.resolve("texts.txt"), BAD_SECOND_LINE);
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", Fixtures.path("tiny-llama").toString(), "--input",
                input.toString(), "--output", dir.resolve("out.jsonl").toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains(input + ":2: not valid UTF-8 (byte 0xE9 at byte column 4)"), run.err());
        assertFalse(Files.exists(dir.resolve("out.jsonl")));
    }

    @Test
    void invalidUtf8OnStandardInputNamesTheLineInsteadOfBeingReplaced() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(BAD_SECOND_LINE));
            CliTestSupport.Run run = CliTestSupport.run("embed", "--model", Fixtures.path("tiny-llama").toString(), "--input", "-",
                    "--output", dir.resolve("out.jsonl").toString());
            assertEquals(2, run.exitCode(), run.err());
            assertTrue(run.err().contains("standard input:2: not valid UTF-8"), run.err());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void aModelThatProducesNaNIsAnErrorNamingItAndWritesNothing() throws Exception {
        Path model = Files.createDirectories(dir.resolve("broken"));
        try (Stream<Path> files = Files.list(Fixtures.path("tiny-llama"))) {
            for (Path f : files.toList()) Files.write(model.resolve(f.getFileName()), Files.readAllBytes(f));
        }
        poison(model.resolve("model.safetensors"), "model.norm.weight");
        Path input = Files.writeString(dir.resolve("texts.txt"), "a man is playing a guitar\n");
        CliTestSupport.Run run = CliTestSupport.run("embed", "--model", model.toString(), "--input", input.toString(),
                "--output", dir.resolve("out.jsonl").toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("model " + model) && run.err().contains("NaN"), run.err());
        assertFalse(Files.exists(dir.resolve("out.jsonl")), "no NaN embedding is written");
    }

    /** Overwrites the data of tensor {@code name} with float NaNs. */
    private static void poison(Path file, String name) throws Exception {
        SafetensorsFile.Entry e = SafetensorsFile.open(file).entry(name);
        byte[] bytes = Files.readAllBytes(file);
        long dataStart = 8 + ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long at = dataStart + e.begin(); at + 4 <= dataStart + e.end(); at += 4) b.putFloat((int) at, Float.NaN);
        Files.write(file, bytes);
    }

    @Test
    void helpStatesTheDefaultTokenLimit() {
        CliTestSupport.Run run = CliTestSupport.run("embed", "--help");
        assertTrue(run.out().replaceAll("\\s+", " ").contains("Default: 8192, or the model's max_position_embeddings"), run.out());
    }

    @Command(name = "fails")
    static final class Failing implements Callable<Integer> {
        final Error error;

        Failing(Error error) {
            this.error = error;
        }

        @Override
        public Integer call() {
            throw error;
        }
    }

    private static String runFailing(Error error, int[] code) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        code[0] = Main.execute(new CommandLine(new Failing(error)), new String[0], new PrintStream(err, true, StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndANonZeroExit() {
        int[] code = {0};
        String err = runFailing(new OutOfMemoryError("Java heap space"), code);
        assertEquals(Main.JVM_ERROR, code[0]);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("bellm: out of memory (OutOfMemoryError: Java heap space)") && err.contains("-Xmx"), err);
    }

    @Test
    void aMissingClassIsOneLineAndANonZeroExit() {
        int[] code = {0};
        String err = runFailing(new NoClassDefFoundError("picocli/CommandLine$Help"), code);
        assertEquals(Main.JVM_ERROR, code[0]);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.contains("NoClassDefFoundError: picocli/CommandLine$Help") && !err.contains("\tat "), err);
    }
}
