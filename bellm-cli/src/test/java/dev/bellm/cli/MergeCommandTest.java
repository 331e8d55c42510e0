package dev.bellm.cli;

import dev.bellm.SharedData;
import dev.bellm.Fixtures;
import dev.bellm.Zoo;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.Batch;
import dev.bellm.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class MergeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new MergeCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String[] mergeTinyLlama(Path output, String... more) {
        String[] base = {"--model", Fixtures.path("tiny-llama").toString(), "--adapter", Fixtures.path("tiny-llama-lora").toString(),
                "--output", output.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return args;
    }

    @Test
    void mergesIntoShardsThatLoadAndEmbedAsTheAdapterDoes(@TempDir Path tmp) {
        Path output = tmp.resolve("merged");
        assertEquals(0, run(mergeTinyLlama(output, "--max-shard-size", "200K")), err.toString());
        assertTrue(Files.isRegularFile(output.resolve("model.safetensors.index.json")));

        // the fixture's LoRA embedding of input 0 (bellm-prompt-last-lora: prompt input, layers >= 3 bidirectional, last token)
        Transformer t = new Transformer(ModelLoader.load(output), new VectorKernels(2));
        Batch batch = Batch.of(Fixtures.ids("prompt", 0));
        float[] pooled = Pooling.LAST.pool(t.hiddenStates(batch, dev.bellm.model.AttentionLayers.bidirectionalFrom(3)), batch, t.config().hiddenSize())[0];
        double[] expected = SafetensorsFile.open(Fixtures.path("expected-tiny-llama.safetensors")).doubles("bellm-prompt-last-lora.0");
        assertTrue(Fixtures.relativeError(pooled, expected) < 1e-4);
    }

    /**
     * LLM2Vec ships two adapters applied in turn (MNTP, then supervised): merging both gives a folder that reproduces the
     * published vectors with no flags, to the bf16 rounding of W + ΔW (the base is BF16 and stays so); merging only the
     * first does not.
     */
    @Test
    void stackedAdaptersMergeIntoOneFolder(@TempDir Path tmp) {
        List<Path> adapters = Zoo.adapters("llm2vec");
        Path both = tmp.resolve("both"), first = tmp.resolve("first");
        assertEquals(0, run("--model", Zoo.path("llm2vec").toString(), "--adapter", adapters.get(0).toString(), "--adapter",
                adapters.get(1).toString(), "--output", both.toString()), err.toString());
        assertEquals(0, run("--model", Zoo.path("llm2vec").toString(), "--adapter", adapters.get(0).toString(),
                "--output", first.toString()), err.toString());
        double merged = worstError(both), firstOnly = worstError(first);
        // measured: 0.016 with both (a 16-wide random model, its merged weights rounded to BF16), 1.02 with the first only
        assertTrue(merged < 3e-2, "both adapters merged: error " + merged);
        assertTrue(firstOnly > 20 * merged, "the second adapter's delta was merged too: " + firstOnly + " vs " + merged);
        try (Embedder e = Embedder.load(both)) {
            assertEquals(false, e.spec().includePrompt(), "the folders' recipe came along: mean without the instruction");
            assertEquals(Pooling.MEAN, e.spec().pooling());
            assertTrue(e.spec().normalize() && e.spec().adapters().isEmpty(), e.spec().toString());
        }
    }

    private static double worstError(Path folder) {
        try (Embedder e = Embedder.load(folder)) {
            return Zoo.worstError("llm2vec", (text, promptName) -> e.embed(List.of(text), promptName).vectors()[0]);
        }
    }

    @Test
    void aNonEmptyOutputNeedsForce(@TempDir Path tmp) throws IOException {
        Path output = tmp.resolve("merged");
        assertEquals(0, run(mergeTinyLlama(output)), err.toString());
        assertNotEquals(0, run(mergeTinyLlama(output)));
        assertTrue(err.toString().contains("is not empty") && err.toString().contains("--force"), err.toString());

        String[] force = mergeTinyLlama(output, "--force");
        String[] args = new String[force.length + 1];
        args[0] = "merge";
        System.arraycopy(force, 0, args, 1, force.length);
        CliTestSupport.Run replaced = CliTestSupport.run(args);
        assertEquals(0, replaced.exitCode(), replaced.err());
        assertTrue(Files.isRegularFile(output.resolve("model.safetensors")));
        assertTrue(replaced.out().contains("removing: config.json, model.safetensors"), replaced.out());
    }

    @Test
    void forceRefusesAFolderOfNotes(@TempDir Path tmp) throws IOException {
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("todo.txt"), "my notes");
        assertNotEquals(0, run(mergeTinyLlama(notes, "--force")));
        assertTrue(err.toString().contains("holds no model") && err.toString().contains("todo.txt"), err.toString());
        assertEquals("my notes", Files.readString(notes.resolve("todo.txt")));
    }

    @Test
    void helpShowsAnExample() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("Examples:") && out.toString().contains("./bellm merge --model"), out.toString());
        assertTrue(out.toString().contains("--max-shard-size") && out.toString().contains("Default: 4G"), out.toString());
    }

    @Test
    void sizesCountInPowersOf1024UnlessWrittenWithB() {
        assertEquals(4L << 30, MergeCommand.parseSize("4G"));
        assertEquals(4L << 30, MergeCommand.parseSize("4GiB"));
        assertEquals(5_000_000_000L, MergeCommand.parseSize("5GB"));
        assertEquals(500L << 20, MergeCommand.parseSize("500m"));
        assertEquals(200 * 1024, MergeCommand.parseSize("200K"));
        assertEquals(123, MergeCommand.parseSize("123"));
        assertEquals(123, MergeCommand.parseSize("123B"));
        for (String bad : new String[] {"", "4X", "-1G", "0", "1.5G", "99999999999999999999", "9000000000T"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MergeCommand.parseSize(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void aBadShardSizeIsAUsageError(@TempDir Path tmp) {
        assertEquals(2, run(mergeTinyLlama(tmp.resolve("merged"), "--max-shard-size", "lots")));
        assertTrue(err.toString().contains("--max-shard-size") && err.toString().contains("not a size"), err.toString());
    }
}
