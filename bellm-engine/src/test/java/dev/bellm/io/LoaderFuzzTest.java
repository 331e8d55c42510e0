package dev.bellm.io;

import dev.bellm.SharedData;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bellm.SharedData;
import dev.bellm.kernels.Kernels;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Llama2cTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
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
    /** Bounds of one fuzzing run (JAZZER_FUZZ=1), whichever comes first; regression runs only replay the corpus. */
    private static final String FUZZ_DURATION = "7m";
    private static final long FUZZ_EXECUTIONS = 100_000;
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

    private static SafetensorsFile loraWeights;

    private static synchronized SafetensorsFile loraWeights() {
        if (loraWeights == null) loraWeights = SafetensorsFile.open(DataDirectory.resolve("fixtures/tiny-llama-lora/adapter_model.safetensors"));
        return loraWeights;
    }

    private static synchronized ModelWeights tinyLlama() {
        if (tinyLlama == null) tinyLlama = HfCheckpoint.load(DataDirectory.resolve("fixtures/tiny-llama"));
        return tinyLlama;
    }

    /** The one exception a malformed file may raise, and it names the file (one of {@code files}). */
    private static void expectedOnly(CheckpointException e, Path... files) {
        for (Path file : files) {
            if (e.getMessage().contains(file.getFileName().toString()) || e.getMessage().contains(file.getParent().toString())) return;
        }
        throw new AssertionError("the error does not name the file: " + e.getMessage(), e);
    }

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void safetensorsFile(byte[] bytes) {
        // the bytes as SafetensorsFile.open sees a mapped file (open maps the file and calls read)
        Path file = SCRATCH.resolve("fuzz.safetensors");
        SafetensorsFile st;
        try {
            st = SafetensorsFile.read(file, MemorySegment.ofArray(bytes));
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

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void configJson(byte[] bytes) throws IOException {
        Path config = SCRATCH.resolve("config").resolve(HfCheckpoint.CONFIG_FILE);
        try {
            HfCheckpoint.config(ConfigFile.parse(config, bytes));
        } catch (CheckpointException e) {
            expectedOnly(e, config);
            return;
        }
        // a valid config: beside the tiny-llama weights, only one that describes them may load, and then it runs
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

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void adapterConfig(byte[] bytes) {
        // a fuzzed adapter_config.json over the tiny-llama-lora weights, applied to tiny-llama
        Path config = SCRATCH.resolve("adapter").resolve(PeftAdapter.CONFIG_FILE);
        ModelWeights adapted;
        try {
            adapted = PeftAdapter.load(ConfigFile.parse(config, bytes), LoaderFuzzTest::loraWeights).apply(tinyLlama());
        } catch (CheckpointException e) {
            expectedOnly(e, config, loraWeights().path()); // a config that does not fit the weights names them
            return;
        }
        // an adapter that loads has a sane scale: its output stays finite
        float[] hidden = new Transformer(adapted, KERNELS).hiddenStates(Batch.of(new int[] {1, 2, 3}), 2);
        for (float v : hidden) assertTrue(Float.isFinite(v), "non-finite hidden state from an accepted adapter");
    }

    @FuzzTest(maxDuration = FUZZ_DURATION, maxExecutions = FUZZ_EXECUTIONS)
    void llama2cTokenizer(byte[] bytes) {
        Path file = SCRATCH.resolve("tok512.bin");
        Llama2cTokenizer tokenizer;
        try {
            tokenizer = Llama2cTokenizer.parse(file, bytes);
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
