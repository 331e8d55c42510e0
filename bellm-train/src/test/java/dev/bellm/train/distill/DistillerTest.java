package dev.bellm.train.distill;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distilling stories260K (mean pooling, top layer bidirectional) into its first two layers. */
@SharedData
class DistillerTest {
    private static final Path MODEL = DataDirectory.root().resolve("models/stories260K/stories260K.bin");

    @TempDir
    Path dir;

    private static Embedder teacher() {
        return Embedder.builder().model(MODEL).pooling(Pooling.MEAN).bidirectionalFrom(4).threads(2).build();
    }

    private static List<String> corpus() throws Exception {
        return Files.readAllLines(DataDirectory.root().resolve("data/nli/s2.dev")).subList(0, 240);
    }

    private static DistillOptions options(int steps) {
        return new DistillOptions(2, null, DistillLoss.COSINE, 8, 16, 3e-3, 16, steps, 3, 5, 64, 40);
    }

    @Test
    void distillationReducesTheHeldOutStudentTeacherLoss() throws Exception {
        Distiller d = new Distiller(teacher(), MODEL, options(40));
        var r = d.distill(corpus(), dir.resolve("run"), false, new Distiller.Listener() {});
        assertTrue(r.initialHeldOut() > 0.01, "the pruned student already matches: nothing to test " + r.initialHeldOut());
        assertTrue(r.finalHeldOut() < 0.7 * r.initialHeldOut(), r.initialHeldOut() + " -> " + r.finalHeldOut());
        // the saved student loads as a plain 2-layer model and gives the distilled student's embeddings
        assertEquals(2, ModelLoader.load(r.student()).config().numLayers());
        Embedder saved = Embedder.builder().model(r.student()).pooling(Pooling.MEAN).threads(2).build();
        float[] a = saved.embed("A dog runs in the park."), b = d.student().embed("A dog runs in the park.");
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4 * Math.max(1, Math.abs(b[i])));
        assertTrue(Files.isRegularFile(dir.resolve("run/distill.json")));
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
