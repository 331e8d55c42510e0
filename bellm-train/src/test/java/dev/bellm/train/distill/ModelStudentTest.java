package dev.bellm.train.distill;

import dev.bellm.SharedData;
import dev.bellm.embed.Dense;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Distilling stories260K (5 layers, 64 wide, mean pooling, layer 4 bidirectional, llama2.c tokenizer of 512 pieces)
 * into another model: the zoo's st-dense (2 layers, 24 wide, every layer bidirectional, Mistral BPE), which needs a
 * 24 → 64 projection and tokenizes the same prompted sentences its own way.
 */
@SharedData
class ModelStudentTest {
    private static final Path TEACHER = DataDirectory.root().resolve("models/stories260K/stories260K.bin");
    private static final Path STUDENT = DataDirectory.root().resolve("fixtures/zoo/st-dense");
    private static final List<String> TEXTS = List.of("A dog runs in the park.", "Two men are playing chess.", "A woman is slicing an onion.");

    @TempDir
    Path dir;

    private static Embedder teacher() {
        return Embedder.builder().model(TEACHER).pooling(Pooling.MEAN).bidirectionalFrom(4).prompt(Embedder.BELLM_PROMPT).threads(2).build();
    }

    private static List<String> corpus(int sentences) throws Exception {
        return Files.readAllLines(DataDirectory.root().resolve("data/nli/s2.dev")).subList(0, sentences);
    }

    private static List<String> corpus() throws Exception {
        return corpus(240);
    }

    private static DistillOptions options(StudentSource student, Integer bidirectionalFrom, DistillLoss loss, int steps) {
        return new DistillOptions(student, bidirectionalFrom, loss, 8, 16, 3e-3, 16, steps, 3, 5, 64, 40);
    }

    private static DistillOptions options(int steps) {
        return options(new StudentSource.Model(STUDENT, null), null, DistillLoss.COSINE, steps);
    }

    @Test
    void distillationReducesTheHeldOutLossBelowTheFittedProjectionsAndTheFolderReloadsIt() throws Exception {
        // 1,000 training sentences, 200 held out, 60 steps of 32 (about 2 epochs)
        DistillOptions options = new DistillOptions(new StudentSource.Model(STUDENT, null), null, DistillLoss.COSINE, 8, 16, 3e-2, 32, 60, 3,
                20, 64, 200);
        Distiller d = new Distiller(teacher(), TEACHER, options);
        var r = d.distill(corpus(1200), dir.resolve("run"), false, new Distiller.Listener() {});
        // the baseline is the untrained student read out by its least-squares projection (the teacher's mean-pooled
        // vectors share a large common direction, which the bias alone reproduces: hence a small loss to start
        // from); what training must beat is that best linear read-out, by more than noise (seen: 0.0107 -> 0.0087)
        assertTrue(r.initialHeldOut() > 0.005 && r.initialHeldOut() < 1, "untrained student's held-out loss " + r.initialHeldOut());
        assertTrue(r.finalHeldOut() < 0.9 * r.initialHeldOut(), r.initialHeldOut() + " -> " + r.finalHeldOut());
        assertEquals(dir.resolve("run/untrained"), r.baseline());

        // the saved student is st-dense's 2 layers and 24 features, with a 24 -> 64 head, read the teacher's way:
        // mean pooling, the BeLLM prompt, no normalisation; st-dense's own attention (every layer bidirectional),
        // not its own heads or normalisation
        assertEquals(2, ModelLoader.load(r.student()).config().numLayers());
        EncoderSpec recipe = EncoderSpec.load(r.student());
        assertEquals(AttentionLayers.bidirectional(), recipe.attention());
        assertEquals(Pooling.MEAN, recipe.pooling());
        assertEquals(Embedder.BELLM_PROMPT, recipe.promptText(null));
        assertFalse(recipe.normalize());
        assertEquals(1, recipe.dense().size());
        Dense head = recipe.dense().getFirst();
        assertEquals(24, head.in());
        assertEquals(64, head.out());
        assertTrue(d.notes().getFirst().contains("dense") && d.notes().getFirst().contains("normalize"), d.notes().toString());

        // with no setting but its folder it gives the distilled student's embeddings (up to merging the adapters),
        // 64 wide like the teacher's
        Embedder saved = Embedder.builder().model(r.student()).threads(2).build(), live = d.student();
        assertEquals(64, saved.dimension());
        for (String text : TEXTS) {
            float[] a = saved.embed(text), b = live.embed(text);
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4 * Math.max(1, Math.abs(b[i])), text + " [" + i + "]");
        }
        // re-measured through the folders alone on 200 sentences the run never saw: the student is nearer the teacher
        List<String> unseen = Files.readAllLines(DataDirectory.root().resolve("data/nli/s2.dev")).subList(1200, 1400);
        float[][] teacherVectors = teacher().embed(unseen).vectors();
        double distilled = DistillLoss.COSINE.forward(saved.embed(unseen).vectors(), teacherVectors, null);
        double untrained = DistillLoss.COSINE.forward(Embedder.load(r.baseline()).embed(unseen).vectors(), teacherVectors, null);
        assertTrue(distilled < 0.95 * untrained, "distilled " + distilled + " vs untrained " + untrained);
        String json = Files.readString(dir.resolve("run/distill.json"));
        assertTrue(json.contains("\"student_model\"") && json.contains("st-dense"), json);
    }

    @Test
    void theStudentsAttentionComesFromTheFlagOverItsFolder() throws Exception {
        Distiller causal = new Distiller(teacher(), TEACHER, options(new StudentSource.Model(STUDENT, null), Transformer.CAUSAL, DistillLoss.MSE, 2));
        assertTrue(causal.studentSpec().attention().isCausal());
        Distiller fromOne = new Distiller(teacher(), TEACHER, options(new StudentSource.Model(STUDENT, null), 1, DistillLoss.MSE, 2));
        assertEquals(AttentionLayers.bidirectionalFrom(1), fromOne.studentSpec().attention());
        // a folder that says nothing about attention (a llama2.c .bin) gives a causal student
        Distiller bare = new Distiller(teacher(), TEACHER, options(new StudentSource.Model(TEACHER, null), null, DistillLoss.MSE, 2));
        assertTrue(bare.studentSpec().attention().isCausal());
        assertTrue(bare.notes().isEmpty(), bare.notes().toString());
    }

    @Test
    void anInterruptedRunResumesToTheSameStudent() throws Exception {
        var whole = new Distiller(teacher(), TEACHER, options(12)).distill(corpus(), dir.resolve("whole"), false, new Distiller.Listener() {});
        Distiller.Listener stopAt8 = new Distiller.Listener() {
            @Override
            public void step(int step, int totalSteps, double loss) {
                if (step == 8) throw new IllegalStateException("interrupted");
            }
        };
        assertThrows(IllegalStateException.class,
                () -> new Distiller(teacher(), TEACHER, options(12)).distill(corpus(), dir.resolve("resumed"), false, stopAt8));
        var resumed = new Distiller(teacher(), TEACHER, options(12)).distill(corpus(), dir.resolve("resumed"), true, new Distiller.Listener() {});
        assertEquals(whole.initialHeldOut(), resumed.initialHeldOut(), 0.0);
        assertEquals(whole.finalHeldOut(), resumed.finalHeldOut(), 0.0);
        assertArrayEquals(Files.readAllBytes(dir.resolve("whole/loss.csv")), Files.readAllBytes(dir.resolve("resumed/loss.csv")));
        assertArrayEquals(Embedder.load(whole.student()).embed(TEXTS.get(0)), Embedder.load(resumed.student()).embed(TEXTS.get(0)));
    }

    @Test
    void badStudentsGetClearErrors() {
        Path missing = dir.resolve("no-such-model");
        Exception e = assertThrows(RuntimeException.class, () -> new Distiller(teacher(), TEACHER, options(new StudentSource.Model(missing, null),
                null, DistillLoss.COSINE, 2)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        // st-dense's Mistral vocabulary (32000) does not fit stories260K's 512 embedding rows
        Path mistralTokenizer = STUDENT.resolve("tokenizer.json");
        e = assertThrows(RuntimeException.class, () -> new Distiller(teacher(), TEACHER, options(new StudentSource.Model(TEACHER, mistralTokenizer),
                null, DistillLoss.COSINE, 2)));
        assertTrue(e.getMessage().contains("32000") || e.getMessage().contains("vocab"), e.getMessage());
        // a student layer that does not exist
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(teacher(), TEACHER, options(new StudentSource.Model(STUDENT, null),
                5, DistillLoss.COSINE, 2)));
        assertTrue(e.getMessage().contains("5"), e.getMessage());
        // a teacher whose mean leaves its prompt out: the distilled pass pools every token, so it is refused, not mistrained
        Embedder withoutPrompt = Embedder.builder().model(TEACHER).pooling(Pooling.MEAN).includePrompt(false).prompt(Embedder.BELLM_PROMPT)
                .threads(2).build();
        e = assertThrows(IllegalArgumentException.class, () -> new Distiller(withoutPrompt, TEACHER, options(2)));
        assertTrue(e.getMessage().contains("include_prompt false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new StudentSource.TeacherLayers(0));
        assertTrue(e.getMessage().contains("at least one layer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> options(null, null, DistillLoss.COSINE, 2));
        assertTrue(e.getMessage().contains("no student"), e.getMessage());
    }
}
