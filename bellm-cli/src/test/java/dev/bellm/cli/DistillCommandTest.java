package dev.bellm.cli;

import dev.bellm.SharedData;
import dev.bellm.embed.Dense;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bellm distill} of a teacher encoder folder (into its own layers or another model), and the student it writes run by {@code bellm embed} with no flags. */
@SharedData
class DistillCommandTest {
    private static final Path MODEL = DataDirectory.root().resolve("models/stories260K/stories260K.bin");
    private static final Path CORPUS = DataDirectory.root().resolve("data/nli/s2.dev");
    private static final Path ST_DENSE = DataDirectory.root().resolve("fixtures/zoo/st-dense");
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
        return distillStudent(teacher, out, "--student-layers", "2", extra);
    }

    private CliTestSupport.Run distillStudent(Path teacher, Path out, String studentFlag, String student, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("distill", "--teacher", teacher.toString(), studentFlag, student,
                "--corpus", CORPUS.toString(), "--steps", "4", "--checkpoint-every", "2", "--batch-size", "8", "--held-out", "20",
                "--lora-r", "4", "--max-length", "64", "--threads", "2", "--output", out.toString()));
        args.addAll(List.of(extra));
        return CliTestSupport.run(args.toArray(String[]::new));
    }

    /** `bellm embed --model FOLDER` of TEXTS with no encoder flag; the vectors file. */
    private Path embedWithNoFlags(Path folder) throws Exception {
        Path input = dir.resolve("texts.txt"), vectors = dir.resolve("vectors.npy");
        Files.write(input, TEXTS);
        CliTestSupport.Run embed = CliTestSupport.run("embed", "--model", folder.toString(), "--input", input.toString(),
                "--output", vectors.toString(), "--threads", "2");
        assertEquals(0, embed.exitCode(), embed.err());
        return vectors;
    }

    @Test
    void theStudentEmbedsWithNoFlagsAsItsWeightsDoUnderTheTeachersRecipe() throws Exception {
        Path out = dir.resolve("distill");
        CliTestSupport.Run run = distill(teacherFolder(), out);
        assertEquals(0, run.exitCode(), run.err());
        Path vectors = embedWithNoFlags(out.resolve("student"));

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

    @Test
    void anotherModelAsStudentEmbedsWithNoFlagsAsItsWeightsDoUnderTheTeachersRecipeAndItsProjection() throws Exception {
        Path out = dir.resolve("distill");
        CliTestSupport.Run run = distillStudent(teacherFolder(), out, "--student", ST_DENSE.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("are not used"), run.err()); // st-dense's own heads and normalisation are dropped, and it says so
        Path vectors = embedWithNoFlags(out.resolve("student"));

        // oracle: the student's bare weights and own tokenizer with the teacher's settings given by hand, st-dense's
        // attention (every layer bidirectional) and the trained 24 -> 64 projection as the one dense head
        Path student = out.resolve("student");
        Dense projection = Dense.load(student.resolve("2_Dense"));
        assertEquals(24, projection.in());
        assertEquals(64, projection.out());
        try (Embedder byHand = Embedder.builder().model(ModelLoader.load(student), Tokenizers.forModel(student, null)).pooling(Pooling.MEAN)
                .bidirectionalFrom(0).prompt(Embedder.BELLM_PROMPT).dense(List.of(projection)).threads(2).build()) {
            float[][] expected = byHand.embed(TEXTS).vectors(), got = readNpy(vectors, TEXTS.size(), byHand.dimension());
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(expected[i], got[i], "text " + i);
        }
        assertTrue(Files.isDirectory(out.resolve("untrained")));
    }

    @Test
    void theStudentIsEitherTheTeachersLayersOrAnotherModel() throws Exception {
        Path teacher = teacherFolder();
        CliTestSupport.Run both = distillStudent(teacher, dir.resolve("both"), "--student", ST_DENSE.toString(), "--student-layers", "2");
        assertEquals(2, both.exitCode(), both.err());
        assertTrue(both.err().contains("--student") && both.err().contains("--student-layers") && both.err().contains("mutually exclusive"),
                both.err());
        CliTestSupport.Run neither = CliTestSupport.run("distill", "--teacher", teacher.toString(), "--corpus", CORPUS.toString(),
                "--output", dir.resolve("neither").toString());
        assertEquals(2, neither.exitCode(), neither.err());
        assertTrue(neither.err().contains("--student-layers") && neither.err().contains("--student="), neither.err());
        CliTestSupport.Run tokenizer = distill(teacher, dir.resolve("tok"), "--student-tokenizer", ST_DENSE.resolve("tokenizer.json").toString());
        assertEquals(2, tokenizer.exitCode(), tokenizer.err());
        assertTrue(tokenizer.err().contains("--student-tokenizer goes with --student"), tokenizer.err());
        // the library's error, in its terms: a first bidirectional layer the 2-layer student does not have
        CliTestSupport.Run pastTheTop = distillStudent(teacher, dir.resolve("top"), "--student", ST_DENSE.toString(),
                "--student-bidirectional-from", "3");
        assertEquals(2, pastTheTop.exitCode(), pastTheTop.err());
        assertTrue(pastTheTop.err().contains("bidirectional_from 3 is past the last layer"), pastTheTop.err());
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
