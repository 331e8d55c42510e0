package dev.bellm.train;

import dev.bellm.SharedData;
import dev.bellm.Fixtures;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.PeftAdapter;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.ScoredPair;
import dev.bellm.train.data.TrainingData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class TrainerTest {
    private static final Path MODEL = Fixtures.path("tiny-llama");

    private static TrainOptions options() {
        TrainOptions o = new TrainOptions();
        o.encoder = o.encoder.toBuilder().bidirectionalFrom(2).pooling(Pooling.MEAN).prompt(Embedder.BELLM_PROMPT).build();
        o.loraRank = 4;
        o.loraAlpha = 8;
        o.batchSize = 4;
        o.learningRate = 5e-3;
        o.checkpointEvery = 3;
        o.maxSteps = 7;
        return o;
    }

    private static List<Example> triplets() {
        return TrainingData.snli(DataDirectory.root(), "dev").subList(0, 40);
    }

    private static Trainer trainer(TrainOptions o) {
        ModelWeights base = ModelLoader.load(MODEL);
        Tokenizer tok = Tokenizers.forModel(MODEL, null);
        return new Trainer(base, tok, MODEL.toString(), o, new VectorKernels(2));
    }

    private static final class Recorder implements Trainer.Listener {
        final List<Double> losses = new ArrayList<>();
        final int stopAfter;

        Recorder(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public void step(Trainer.Step s) {
            losses.add(s.loss());
            if (s.step() == stopAfter) throw new IllegalStateException("interrupted at step " + s.step());
        }
    }

    /** A run interrupted after step 5 and resumed from its step-3 checkpoint gives the uninterrupted run's losses and adapter. */
    @Test
    void resumeContinuesExactlyAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Recorder full = new Recorder(-1);
        trainer(options()).train(triplets(), dir.resolve("full"), null, false, full);

        Recorder first = new Recorder(5);
        assertThrows(IllegalStateException.class, () -> trainer(options()).train(triplets(), dir.resolve("cut"), null, false, first));
        Recorder rest = new Recorder(-1);
        trainer(options()).train(triplets(), dir.resolve("cut"), null, true, rest);

        assertEquals(7, full.losses.size());
        assertEquals(full.losses.subList(3, 7), rest.losses, "steps 4..7 after resuming from the step-3 checkpoint");
        assertEquals(full.losses.subList(0, 5), first.losses);
        assertArrayEquals(Files.readAllBytes(dir.resolve("full/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("cut/adapter/adapter_model.safetensors")));
        assertEquals(Files.readString(dir.resolve("full/loss.csv")), Files.readString(dir.resolve("cut/loss.csv")));
    }

    /** The adapter written by training loads back through PEFT loading and embeds exactly as the trained model did. */
    @Test
    void savedAdapterLoadsBackAndEmbedsTheSame(@TempDir Path dir) throws Exception {
        Trainer t = trainer(options());
        Trainer.Result r = t.train(triplets(), dir, null, false, new Trainer.Listener() {});
        List<String> texts = List.of("A man is playing a guitar.", "Two dogs run on the beach");
        float[][] trained = t.embedder().embed(texts).vectors();

        Embedder loaded = Embedder.builder().model(MODEL).adapter(r.adapter()).bidirectionalFrom(2).pooling(Pooling.MEAN)
                .prompt(Embedder.BELLM_PROMPT).build();
        float[][] again = loaded.embed(texts).vectors();
        Embedder base = Embedder.builder().model(MODEL).bidirectionalFrom(2).pooling(Pooling.MEAN).prompt(Embedder.BELLM_PROMPT).build();
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(trained[i], again[i], 1e-6f);
            assertNotEquals(base.embed(texts.get(i))[0], again[i][0], "training changed the embedding");
        }
    }

    /**
     * Every adapter folder a run writes carries the encoder's recipe: loaded with no setting at all, it gives the
     * trained encoder's vectors bit for bit; the recipe files are sentence-transformers' plus bellm's own.
     */
    @Test
    void adapterFoldersCarryTheRecipeSoTheyReproduceTheTrainedVectorsWithNoSettings(@TempDir Path dir) throws Exception {
        TrainOptions o = options();
        Trainer t = trainer(o);
        Trainer.Result r = t.train(triplets(), dir, e -> e.embed(List.of("a man")).vectors()[0][0], false, new Trainer.Listener() {});
        List<String> texts = List.of("A man is playing a guitar.", "Two dogs run on the beach", "a ".repeat(200) + "very long text");
        float[][] trained = t.embedder().embed(texts).vectors();
        for (Path adapter : List.of(r.adapter(), r.best())) {
            for (String file : List.of("modules.json", "1_Pooling/config.json", "config_sentence_transformers.json", "bellm_encoder.json")) {
                assertTrue(Files.isRegularFile(adapter.resolve(file)), adapter + "/" + file);
            }
        }
        try (Embedder loaded = Embedder.builder().model(MODEL).adapter(r.adapter()).build()) {
            assertEquals(o.encoder.attention(), loaded.attention());
            assertEquals(Pooling.MEAN, loaded.pooling());
            assertEquals(o.encoder.maxTokens(), loaded.maxTokens());
            float[][] again = loaded.embed(texts).vectors();
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(trained[i], again[i], "text " + i);
        }
    }

    /** Repeated steps on the same small data lower the training loss. */
    @Test
    void trainingLowersTheLoss(@TempDir Path dir) throws Exception {
        TrainOptions o = options();
        o.maxSteps = 0;
        o.epochs = 12;
        o.loraDropout = 0;
        o.warmupRatio = 0;
        o.checkpointEvery = 0;
        Recorder rec = new Recorder(-1);
        trainer(o).train(triplets().subList(0, 8), dir, null, false, rec);
        double first = (rec.losses.get(0) + rec.losses.get(1)) / 2;
        double last = (rec.losses.get(rec.losses.size() - 1) + rec.losses.get(rec.losses.size() - 2)) / 2;
        assertTrue(last < 0.7 * first, "loss went from " + first + " to " + last);
    }

    @Test
    void gradedLabelsWithTheInBatchTermAreRefusedUpFront(@TempDir Path dir) {
        List<Example> graded = List.of(new ScoredPair("a cat", "a dog", 0.4), new ScoredPair("a man", "a woman", 0.8));
        var e = assertThrows(IllegalArgumentException.class, () -> trainer(options()).train(graded, dir, null, false, new Trainer.Listener() {}));
        assertTrue(e.getMessage().contains("ibnWeight to 0"), e.getMessage());
    }

    @Test
    void resumingWithDifferentOptionsIsRefused(@TempDir Path dir) throws Exception {
        trainer(options()).train(triplets(), dir, null, false, new Trainer.Listener() {});
        TrainOptions other = options();
        other.learningRate = 1e-3;
        var e = assertThrows(IllegalArgumentException.class, () -> trainer(other).train(triplets(), dir, null, true, new Trainer.Listener() {}));
        assertTrue(e.getMessage().contains("different options"), e.getMessage());
    }
}
