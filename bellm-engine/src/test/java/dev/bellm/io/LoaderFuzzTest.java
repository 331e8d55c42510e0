package dev.bellm.io;

import dev.bellm.SharedData;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Llama2cTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer fuzz targets for the loaders a hostile file reaches: the safetensors header parser, config.json, the PEFT
 * adapter loader and the llama2.c tokenizer. Whatever the bytes, the only exception that may escape is a
 * {@link CheckpointException} naming the file; anything else (an index out of bounds, an overflow, an
 * OutOfMemoryError, a NaN scale) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} (the normal test run) each target replays its committed corpus in
 * {@code src/test/resources/dev/bellm/io/LoaderFuzzTestInputs/<target>/}, which holds the crash reproductions.
 * With {@code JAZZER_FUZZ=1} one target is fuzzed: see docs/RELIABILITY.md for the commands.
 */
@SharedData
class LoaderFuzzTest {
    /** One scratch directory per JVM: the fuzzed bytes are written to files there, as a user's files would be. */
    private static final Path SCRATCH = scratch();
    private static final Kernels KERNELS = new VectorKernels(1);
    private static ModelWeights tinyLlama;

    private static Path scratch() {
        try {
            Path dir = Files.createTempDirectory("bellm-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }

    /** {@code dir} holding {@code name} = {@code bytes} and, when given, a copy of a fixture file beside it. */
    private static Path directory(String dirName, String name, byte[] bytes, String fixtureFile) throws IOException {
        Path dir = Files.createDirectories(SCRATCH.resolve(dirName));
        Files.write(dir.resolve(name), bytes);
        if (fixtureFile != null) {
            Path fixture = DataDirectory.resolve("fixtures/" + fixtureFile);
            Path copy = dir.resolve(fixture.getFileName());
            if (!Files.exists(copy)) Files.write(copy, Files.readAllBytes(fixture));
        }
        return dir;
    }

    private static synchronized ModelWeights tinyLlama() {
        if (tinyLlama == null) tinyLlama = HfCheckpoint.load(DataDirectory.resolve("fixtures/tiny-llama"));
        return tinyLlama;
    }

    /** The one exception a malformed file may raise, and it names the file. */
    private static void expectedOnly(CheckpointException e, Path file) {
        assertTrue(e.getMessage().contains(file.getFileName().toString()) || e.getMessage().contains(file.getParent().toString()),
                () -> "the error does not name the file: " + e.getMessage());
    }

    @FuzzTest(maxDuration = "5m")
    void safetensorsFile(byte[] bytes) throws IOException {
        Path file = directory("safetensors", "fuzz.safetensors", bytes, null).resolve("fuzz.safetensors");
        SafetensorsFile st;
        try {
            st = SafetensorsFile.open(file);
        } catch (CheckpointException e) {
            expectedOnly(e, file);
            return;
        }
        for (String name : st.names()) {
            SafetensorsFile.Entry e = st.entry(name);
            assertTrue(e.begin() >= 0 && e.begin() <= e.end(), name);
            if (e.elementCount() > 1 << 16) continue;
            try {
                float[] values = st.floats(name);
                assertTrue(values.length == e.elementCount(), name);
                if (e.shape().length == 2 && e.elementCount() > 0) st.matrix(name, (int) e.shape()[0], (int) e.shape()[1]);
            } catch (CheckpointException unsupported) {
                expectedOnly(unsupported, file); // a dtype bellm does not compute with
            }
        }
    }

    @FuzzTest(maxDuration = "5m")
    void configJson(byte[] bytes) throws IOException {
        // the tiny-llama weights beside a fuzzed config: only a config that describes them may load, and then it runs
        Path dir = directory("config", HfCheckpoint.CONFIG_FILE, bytes, "tiny-llama/model.safetensors");
        ModelWeights weights;
        try {
            weights = HfCheckpoint.load(dir);
        } catch (CheckpointException e) {
            expectedOnly(e, dir.resolve(HfCheckpoint.CONFIG_FILE));
            return;
        }
        Transformer t = new Transformer(weights, KERNELS);
        float[] hidden = t.hiddenStates(Batch.of(new int[] {1, 2, 3}), Transformer.CAUSAL);
        assertTrue(hidden.length == 3 * weights.config().hiddenSize());
    }

    @FuzzTest(maxDuration = "5m")
    void adapterConfig(byte[] bytes) throws IOException {
        Path dir = directory("adapter", PeftAdapter.CONFIG_FILE, bytes, "tiny-llama-lora/adapter_model.safetensors");
        ModelWeights adapted;
        try {
            adapted = PeftAdapter.load(dir).apply(tinyLlama());
        } catch (CheckpointException e) {
            expectedOnly(e, dir.resolve(PeftAdapter.CONFIG_FILE));
            return;
        }
        // an adapter that loads has a sane scale: its output stays finite
        float[] hidden = new Transformer(adapted, KERNELS).hiddenStates(Batch.of(new int[] {1, 2, 3}), 2);
        for (float v : hidden) assertTrue(Float.isFinite(v), "non-finite hidden state from an accepted adapter");
    }

    @FuzzTest(maxDuration = "5m")
    void llama2cTokenizer(byte[] bytes) throws IOException {
        Path file = directory("tokenizer", "tok512.bin", bytes, null).resolve("tok512.bin");
        Llama2cTokenizer tokenizer;
        try {
            tokenizer = Llama2cTokenizer.load(file);
            tokenizer.checkFits(512, file); // stories260K's vocab_size: a truncated tok512.bin is refused here
        } catch (CheckpointException e) {
            expectedOnly(e, file);
            return;
        }
        int[] ids = tokenizer.encode("Once upon a time, ü \uD83D\uDE00 <0x41>");
        for (int id : ids) assertTrue(id >= 0 && id < tokenizer.vocabSize());
        tokenizer.decode(ids);
    }
}
