package dev.bellm.cli;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.MergedModelWriter;
import dev.bellm.io.ModelLoader;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code bellm distill} of a teacher encoder folder, and the student it writes run by {@code bellm embed} with no flags. */
@SharedData
class DistillCommandTest {
    private static final Path MODEL = DataDirectory.root().resolve("models/stories260K/stories260K.bin");
    private static final Path CORPUS = DataDirectory.root().resolve("data/nli/s2.dev");
    private static final List<String> TEXTS = List.of("A dog runs in the park.", "Two men are playing chess.", "A woman is slicing an onion.");

    @TempDir
    Path dir;

    /** stories260K as a Hugging Face folder whose recipe is mean pooling, layers >= 1 bidirectional, the BeLLM prompt. */
    private Path teacherFolder() throws Exception {
        Path teacher = dir.resolve("teacher");
        ModelWeights base = ModelLoader.load(MODEL);
        MergedModelWriter.write(base, MODEL, null, teacher, new MergedModelWriter.Options(MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true),
                MergedModelWriter.Progress.NONE);
        EncoderFolder.write(teacher, EncoderSpec.builder().pooling(Pooling.MEAN).bidirectionalFrom(1).prompt(Embedder.BELLM_PROMPT).build(),
                base.config().hiddenSize(), base.config().numLayers());
        return teacher;
    }

    private CliTestSupport.Run distill(Path teacher, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("distill", "--teacher", teacher.toString(), "--student-layers", "2",
                "--corpus", CORPUS.toString(), "--steps", "4", "--checkpoint-every", "2", "--batch-size", "8", "--held-out", "20",
                "--lora-r", "4", "--max-length", "64", "--threads", "2", "--output", out.toString()));
        args.addAll(List.of(extra));
        return CliTestSupport.run(args.toArray(String[]::new));
    }

    @Test
    void theStudentEmbedsWithNoFlagsAsItsWeightsDoUnderTheTeachersRecipe() throws Exception {
        Path out = dir.resolve("distill");
        CliTestSupport.Run run = distill(teacherFolder(), out);
        assertEquals(0, run.exitCode(), run.err());
        Path input = dir.resolve("texts.txt"), vectors = dir.resolve("vectors.npy");
        Files.write(input, TEXTS);
        CliTestSupport.Run embed = CliTestSupport.run("embed", "--model", out.resolve("student").toString(), "--input", input.toString(),
                "--output", vectors.toString(), "--threads", "2");
        assertEquals(0, embed.exitCode(), embed.err());

        // oracle: the student's bare weights with the teacher's settings given by hand (its two layers: layer 1 bidirectional)
        Path student = out.resolve("student");
        try (Embedder byHand = Embedder.builder().model(ModelLoader.load(student), Tokenizers.forModel(student, null)).pooling(Pooling.MEAN)
                .bidirectionalFrom(1).prompt(Embedder.BELLM_PROMPT).threads(2).build()) {
            float[][] expected = byHand.embed(TEXTS).vectors(), got = readNpy(vectors, TEXTS.size(), byHand.dimension());
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(expected[i], got[i], "text " + i);
        }
    }

    @Test
    void encoderFlagsOverrideTheTeachersRecipeAndTheStudentKeepsThem() throws Exception {
        Path out = dir.resolve("distill");
        CliTestSupport.Run run = distill(teacherFolder(), out, "--pooling", "last", "--bidirectional-from", "none");
        assertEquals(0, run.exitCode(), run.err());
        EncoderSpec recipe = EncoderSpec.load(out.resolve("student"));
        assertEquals(Pooling.LAST, recipe.pooling());
        assertEquals(AttentionLayers.causal(), recipe.attention());
        assertEquals(Embedder.BELLM_PROMPT, recipe.promptText(null));
    }

    /** A float32 little-endian .npy matrix of {@code rows} x {@code cols}. */
    private static float[][] readNpy(Path file, int rows, int cols) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
        int data = (major == 1 ? 10 : 12) + headerLength;
        assertEquals(data + 4L * rows * cols, bytes.length, "npy size");
        float[][] m = new float[rows][cols];
        buf.position(data);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) m[r][c] = buf.getFloat();
        return m;
    }
}
