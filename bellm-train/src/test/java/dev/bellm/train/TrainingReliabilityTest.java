package dev.bellm.train;

import dev.bellm.SharedData;

import dev.bellm.Fixtures;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training sets that cannot give a gradient, data errors that name file and line, and the output directory's lock. */
@SharedData
class TrainingReliabilityTest {
    private static final Path MODEL = Fixtures.path("tiny-llama");

    @TempDir
    Path dir;

    private static Trainer trainer() {
        TrainOptions o = new TrainOptions();
        o.pooling = Pooling.MEAN;
        o.loraRank = 2;
        o.loraAlpha = 4;
        o.batchSize = 2;
        o.maxSteps = 1;
        o.checkpointEvery = 0;
        return new Trainer(ModelLoader.load(MODEL), Tokenizers.forModel(MODEL, null), MODEL.toString(), o, new VectorKernels(1));
    }

    private Path jsonl(String... rows) throws IOException {
        return Files.write(dir.resolve("train.jsonl"), List.of(rows));
    }

    private IllegalArgumentException refused(List<Example> data) {
        return assertThrows(IllegalArgumentException.class,
                () -> trainer().train(data, dir.resolve("out"), null, false, new Trainer.Listener() {}));
    }

    @Test
    void oneExampleIsRefusedNamingTheFileAndLine() throws IOException {
        Path file = jsonl("", "{\"text1\": \"a cat\", \"text2\": \"a dog\", \"label\": 1}");
        IllegalArgumentException e = refused(TrainingData.read(file));
        assertTrue(e.getMessage().contains(file + ":2") && e.getMessage().contains("only one example"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out/adapter")), "nothing trained");
    }

    @Test
    void pairsThatAllShareOneLabelGiveNoGradientAndAreRefused() throws IOException {
        Path file = jsonl("{\"text1\": \"a cat\", \"text2\": \"a dog\", \"label\": 0}",
                "{\"text1\": \"a man\", \"text2\": \"a woman\", \"label\": 0}");
        IllegalArgumentException e = refused(TrainingData.read(file));
        assertTrue(e.getMessage().contains("all 2 pairs have the label 0.0") && e.getMessage().contains("no gradient"), e.getMessage());
    }

    @Test
    void aGradedLabelUnderTheInBatchTermNamesItsLine() throws IOException {
        Path file = jsonl("{\"text1\": \"a cat\", \"text2\": \"a dog\", \"label\": 1}",
                "{\"text1\": \"a man\", \"text2\": \"a woman\", \"label\": 0}",
                "{\"text1\": \"a boy\", \"text2\": \"a girl\", \"label\": 0.5}");
        IllegalArgumentException e = refused(TrainingData.read(file));
        assertTrue(e.getMessage().contains(file + ":3") && e.getMessage().contains("label 0.5 is out of range"), e.getMessage());
    }

    @Test
    void invalidUtf8InTrainingDataNamesTheLine() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        byte[] good = "{\"text\": \"a\", \"positive\": \"b\", \"negative\": \"c\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '(', '"', '}', '\n'};
        Files.write(file, concat(good, good, bad));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(file));
        assertTrue(e.getMessage().startsWith(file + ":3: not valid UTF-8 (byte 0xC3 at byte column 10"), e.getMessage());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void aSecondRunIntoTheSameDirectoryFailsAtOnceWhileTheFirstHoldsIt() throws Exception {
        Path out = Files.createDirectories(dir.resolve("run"));
        try (OutputLock held = OutputLock.acquire(out)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains("in use by another training run") && e.getMessage().contains(
                    "process " + ProcessHandle.current().pid()), e.getMessage());
        }
        OutputLock.acquire(out).close(); // released on close
    }

    @Test
    void aLockLeftByADeadProcessIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        Path out = Files.createDirectories(dir.resolve("run"));
        Files.writeString(out.resolve(OutputLock.FILE), String.valueOf(gone.pid()));
        try (OutputLock lock = OutputLock.acquire(out)) {
            assertEquals(String.valueOf(ProcessHandle.current().pid()), Files.readString(out.resolve(OutputLock.FILE)));
        }
    }

    @Test
    void aLockHeldByAnotherProcessStopsTraining() throws Exception {
        // another JVM holds the lock, as a concurrent `bellm train` would
        Path out = Files.createDirectories(dir.resolve("run"));
        Path lockFile = out.resolve(OutputLock.FILE);
        Path holderSource = Files.writeString(dir.resolve("Holder.java"), """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                class Holder {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                            c.lock();
                            System.out.println("locked");
                            System.out.flush();
                            Thread.sleep(30_000);
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process holder = new ProcessBuilder(java, holderSource.toString(), lockFile.toString()).redirectErrorStream(true).start();
        try {
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
            assertEquals("locked", ready, "the holder process took the lock");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> OutputLock.acquire(out));
            assertTrue(e.getMessage().contains("in use by another training run"), e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }
}
