package dev.bellm.train.distill;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.MergedModelWriter;
import dev.bellm.io.ModelLoader;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distilling stories260K (mean pooling, top layer bidirectional) into its first two layers. */
@SharedData
class DistillerTest {
    private static final Path MODEL = DataDirectory.root().resolve("models/stories260K/stories260K.bin");
    private static final StudentSource PRUNED_2 = new StudentSource.TeacherLayers(2);

    @TempDir
    Path dir;

    private static Embedder teacher() {
        return Embedder.builder().model(MODEL).pooling(Pooling.MEAN).bidirectionalFrom(4).threads(2).build();
    }

    private static List<String> corpus() throws Exception {
        return Files.readAllLines(DataDirectory.root().resolve("data/nli/s2.dev")).subList(0, 240);
    }

    private static DistillOptions options(int steps) {
        return new DistillOptions(PRUNED_2, null, DistillLoss.COSINE, 8, 16, 3e-3, 16, steps, 3, 5, 64, 40);
    }

    @Test
    void distillationReducesTheHeldOutStudentTeacherLoss() throws Exception {
        Distiller d = new Distiller(teacher(), MODEL, options(40));
        var r = d.distill(corpus(), dir.resolve("run"), false, new Distiller.Listener() {});
        assertTrue(r.initialHeldOut() > 0.01, "the pruned student already matches: nothing to test " + r.initialHeldOut());
        assertTrue(r.finalHeldOut() < 0.7 * r.initialHeldOut(), r.initialHeldOut() + " -> " + r.finalHeldOut());
        // the saved student loads as a plain 2-layer model and, with no setting but its folder, gives the distilled
        // student's embeddings (up to the rounding of merging the adapters into the weights)
        assertEquals(2, ModelLoader.load(r.student()).config().numLayers());
        Embedder saved = Embedder.builder().model(r.student()).threads(2).build();
        float[] a = saved.embed("A dog runs in the park."), b = d.student().embed("A dog runs in the park.");
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4 * Math.max(1, Math.abs(b[i])));
        // the teacher's only bidirectional layer (4) is not kept: the student's recipe says causal, not "from 4"
        EncoderSpec recipe = EncoderSpec.load(r.student());
        assertTrue(recipe.attention().isCausal(), recipe.attention().toString());
        assertEquals(Pooling.MEAN, recipe.pooling());
        assertTrue(Files.isRegularFile(dir.resolve("run/distill.json")));
    }

    @Test
    void theStudentAndPrunedFoldersCarryTheTeachersRecipeClippedToTheirDepth() throws Exception {
        // a teacher folder: stories260K as a Hugging Face model with a recipe (mean, layers >= 1 bidirectional, BeLLM prompt)
        Path teacherDir = dir.resolve("teacher");
        var base = ModelLoader.load(MODEL);
        MergedModelWriter.write(base, MODEL, null, teacherDir,
                new MergedModelWriter.Options(MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true), MergedModelWriter.Progress.NONE);
        EncoderSpec teacherRecipe = EncoderSpec.builder().pooling(Pooling.MEAN).bidirectionalFrom(1).prompt(Embedder.BELLM_PROMPT).build();
        EncoderFolder.write(teacherDir, teacherRecipe, base.config().hiddenSize(), base.config().numLayers());
        Embedder teacher = Embedder.builder().model(teacherDir).threads(2).build();
        assertEquals(1, teacher.bidirectionalFrom());

        var r = new Distiller(teacher, options(4)).distill(corpus(), dir.resolve("run"), false, new Distiller.Listener() {});
        List<String> texts = List.of("A dog runs in the park.", "Two men are playing chess.", "A woman is slicing an onion.");
        for (Path folder : List.of(r.student(), dir.resolve("run/pruned"))) {
            EncoderSpec saved = EncoderSpec.load(folder);
            assertEquals(AttentionLayers.bidirectionalFrom(1), saved.attention(), folder.toString());
            assertEquals(Pooling.MEAN, saved.pooling());
            assertEquals(Embedder.BELLM_PROMPT, saved.promptText(null));
            // the folder alone embeds exactly as its bare weights under the teacher's settings, bit for bit
            Embedder alone = Embedder.builder().model(folder).threads(2).build();
            Embedder flagged = Embedder.builder().model(ModelLoader.load(folder), Tokenizers.forModel(folder, null)).pooling(Pooling.MEAN)
                    .bidirectionalFrom(1).prompt(Embedder.BELLM_PROMPT).threads(2).build();
            float[][] a = alone.embed(texts).vectors(), b = flagged.embed(texts).vectors();
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(b[i], a[i], folder + ", text " + i);
        }
        // the pruned student is the teacher's first two layers as they are: not the teacher's vectors, and not the trained student's
        float[] pruned = Embedder.load(dir.resolve("run/pruned")).embed(texts.get(0)), student = Embedder.load(r.student()).embed(texts.get(0));
        assertFalse(Arrays.equals(pruned, student), "four steps of distillation changed nothing");
        // a fresh run into the same folder replaces both encoder folders (their module subfolders included)
        var again = new Distiller(teacher, options(4)).distill(corpus(), dir.resolve("run"), false, new Distiller.Listener() {});
        assertArrayEquals(student, Embedder.load(again.student()).embed(texts.get(0)));
    }

    @Test
    void theStudentsAttentionCanBeChosen() {
        EncoderSpec teacher = EncoderSpec.builder().pooling(Pooling.LAST).bidirectionalFrom(1).normalize(true).build();
        AttentionLayers kept = teacher.attention().firstLayers(2);
        assertEquals(AttentionLayers.bidirectionalFrom(1), Distiller.attention(kept, null, 2));
        assertEquals(AttentionLayers.bidirectional(), Distiller.attention(kept, 0, 2));
        assertTrue(Distiller.attention(kept, Transformer.CAUSAL, 2).isCausal());
        EncoderSpec spec = Distiller.studentSpec(teacher, Distiller.attention(kept, 0, 2), null);
        assertEquals(AttentionLayers.bidirectional(), spec.attention());
        assertTrue(spec.normalize());
        assertEquals(Pooling.LAST, spec.pooling());
    }

    @Test
    void anInterruptedRunResumesToTheSameStudent() throws Exception {
        var whole = new Distiller(teacher(), MODEL, options(12)).distill(corpus(), dir.resolve("whole"), false, new Distiller.Listener() {});
        Distiller.Listener stopAt8 = new Distiller.Listener() {
            @Override
            public void step(int step, int totalSteps, double loss) {
                if (step == 8) throw new IllegalStateException("interrupted");
            }
        };
        assertThrows(IllegalStateException.class,
                () -> new Distiller(teacher(), MODEL, options(12)).distill(corpus(), dir.resolve("resumed"), false, stopAt8));
        var resumed = new Distiller(teacher(), MODEL, options(12)).distill(corpus(), dir.resolve("resumed"), true, new Distiller.Listener() {});
        assertEquals(whole.finalHeldOut(), resumed.finalHeldOut(), 0.0);
        assertEquals(whole.initialHeldOut(), resumed.initialHeldOut(), 0.0);
        assertArrayEquals(Files.readAllBytes(dir.resolve("whole/loss.csv")), Files.readAllBytes(dir.resolve("resumed/loss.csv")));
    }
}
