package dev.bellm.experiments;

import dev.bellm.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.Fixtures;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.io.DataDirectory;
import dev.bellm.io.ModelLoader;
import dev.bellm.io.SafetensorsFile;
import dev.bellm.kernels.VectorKernels;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.TrainOptions;
import dev.bellm.train.Trainer;
import dev.bellm.train.data.Example;
import dev.bellm.train.data.TrainingData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep on the 4-layer fixture model with tiny budgets and a cheap scorer on two fixture inputs. */
@SharedData
class SweepTest {
    private static final Path MODEL = Fixtures.path("tiny-llama");
    private static final ModelWeights WEIGHTS = ModelLoader.load(MODEL);
    private static final Tokenizer TOKENIZER = Tokenizers.forModel(MODEL, null);
    private static final VectorKernels KERNELS = new VectorKernels(2);
    private static final List<Example> DATA = TrainingData.snli(DataDirectory.root(), "dev").subList(0, 16);
    private static final List<Pooling> BOTH = List.of(Pooling.LAST, Pooling.MEAN);

    /** What the scorer was given (the embedder's depth, first bidirectional layer, pooling, LoRA or not) and returned. */
    private record Call(int layers, int bidirectionalFrom, Pooling pooling, boolean lora, float[] embedding, double score) {}

    /** Scores the cosine ×100 of the embeddings of fixture inputs 0 and 1 (plain ids), and records every call. */
    private static final class RecordingScorer implements ToDoubleFunction<Embedder> {
        final List<Call> calls = new ArrayList<>();
        final int failAtCall;

        RecordingScorer(int failAtCall) {
            this.failAtCall = failAtCall;
        }

        RecordingScorer() {
            this(-1);
        }

        @Override
        public double applyAsDouble(Embedder e) {
            if (calls.size() + 1 == failAtCall) throw new IllegalStateException("scorer stopped at call " + failAtCall);
            float[][] v = e.embedTokens(new int[][] {Fixtures.ids("plain", 0), Fixtures.ids("plain", 1)});
            double dot = 0, n0 = 0, n1 = 0;
            for (int i = 0; i < v[0].length; i++) {
                dot += v[0][i] * v[1][i];
                n0 += v[0][i] * v[0][i];
                n1 += v[1][i] * v[1][i];
            }
            double score = 100 * dot / Math.sqrt(n0 * n1);
            int layers = e.transformer().config().numLayers();
            calls.add(new Call(layers, e.bidirectionalFrom() == Transformer.CAUSAL ? layers : e.bidirectionalFrom(), e.pooling(),
                    e.transformer().weights().layers().getFirst().qProj().lora() != null, v[0], score));
            return score;
        }
    }

    private static Sweep sweep(ToDoubleFunction<Embedder> scorer, Consumer<TrainOptions> tweak) {
        return sweep(scorer, "cosine of fixture inputs 0 and 1", tweak);
    }

    private static Sweep sweep(ToDoubleFunction<Embedder> scorer, String scorerName, Consumer<TrainOptions> tweak) {
        return new Sweep(new Sweep.Model(WEIGHTS, TOKENIZER, MODEL.toString()), new Sweep.Training("snli-dev, first 16", () -> DATA, () -> {
            TrainOptions o = new TrainOptions();
            o.loraRank = 4;
            o.loraAlpha = 8;
            o.batchSize = 4;
            o.learningRate = 5e-3;
            o.maxSteps = 2;
            tweak.accept(o);
            return o;
        }), new Sweep.Scorer(scorerName, scorer), KERNELS);
    }

    private static final Consumer<TrainOptions> DEFAULTS = o -> {};

    private static SweepSelection frozen(List<Integer> ks) {
        return new SweepSelection(ks, BOTH, true, false, false);
    }

    /** sweep.csv without its seconds column (the only field that depends on the machine). */
    private static List<String> rowsWithoutSeconds(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("sweep.csv")).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    @Test
    void writesOneRowPerConfigurationWithTheScoreOfItsEmbedder(@TempDir Path dir) throws Exception {
        RecordingScorer scorer = new RecordingScorer();
        Sweep.Result result = sweep(scorer, DEFAULTS).run(dir, new SweepSelection(null, BOTH, true, true, true), new Sweep.Listener() {});

        // probe: depths 1..4; frozen and trained: k = 0..4; each for two poolings
        assertEquals(8 + 10 + 10, scorer.calls.size());
        List<String> lines = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals("kind,layers,k,bidirectional_from,pooling,trained,steps,score,seconds", lines.getFirst());
        assertEquals(29, lines.size());
        for (int i = 0; i < scorer.calls.size(); i++) {
            String[] f = lines.get(i + 1).split(",");
            Call c = scorer.calls.get(i);
            boolean probe = i < 8;
            assertEquals(probe ? "truncated" : "bidirectional", f[0]);
            assertEquals(probe ? i / 2 + 1 : 4, c.layers(), "the probe's depths 1..4 first, then the whole model");
            assertEquals(c.layers(), Integer.parseInt(f[1]), lines.get(i + 1));
            assertEquals(c.layers() - c.bidirectionalFrom(), Integer.parseInt(f[2]), "k = layers - first bidirectional layer");
            assertEquals(c.bidirectionalFrom(), Integer.parseInt(f[3]));
            assertEquals(c.pooling().toString(), f[4]);
            assertEquals(c.lora(), Boolean.parseBoolean(f[5]));
            assertEquals(c.lora() ? 2 : 0, Integer.parseInt(f[6]), "steps");
            assertEquals(c.score(), Double.parseDouble(f[7]));
        }
        assertEquals(28, result.rows().size());

        // the frozen embedders are the fixture oracle's settings (k top layers bidirectional = bidirectional_from 4 - k)
        SafetensorsFile expected = SafetensorsFile.open(Fixtures.path("expected-tiny-llama.safetensors"));
        Map<String, String> oracleByConfig = Map.of("4/last", "causal-last.0", "3/last", "bellm-last.0", "2/last", "bidir-last2-last.0",
                "1/mean", "bidir-from-1-mean.0", "0/mean", "bidir-all-mean.0");
        int checked = 0;
        for (Call c : scorer.calls) {
            String oracle = oracleByConfig.get(c.bidirectionalFrom() + "/" + c.pooling());
            if (c.layers() == 4 && !c.lora() && oracle != null) {
                double err = Fixtures.relativeError(c.embedding(), expected.doubles(oracle));
                assertTrue(err < 1e-4, oracle + ": relative error " + err);
                checked++;
            }
        }
        assertEquals(5 + 1, checked, "five settings, causal-last also as the probe's depth 4");

        for (int k = 0; k <= 4; k++) {
            for (Pooling p : BOTH) assertTrue(Files.exists(dir.resolve("runs/k" + k + "-" + p + "/adapter/adapter_model.safetensors")));
        }
        String md = Files.readString(dir.resolve("sweep.md"));
        assertTrue(md.contains("| k | bidirectional_from | last, frozen | last, trained | mean, frozen | mean, trained |"), md);
        assertTrue(md.contains("| N | last | mean |"), md);
        double k1LastFrozen = scorer.calls.stream().filter(c -> c.layers() == 4 && c.bidirectionalFrom() == 3
                && c.pooling() == Pooling.LAST && !c.lora()).findFirst().orElseThrow().score();
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| 1 | 3 | ") && l.contains(String.format(java.util.Locale.ROOT, "%.2f", k1LastFrozen))), md);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile());
        assertEquals(28, json.get("configurations").asInt());
        assertEquals("snli-dev, first 16", json.get("settings").get("training").get("data").asText());
        assertTrue(json.get("summary").get("recommended").get("trained").asBoolean(), "trained runs decide the recommendation");
        assertEquals(result.summary().recommended().bidirectionalFrom(), json.get("summary").get("recommended").get("bidirectional_from").asInt());
    }

    @Test
    void rerunSkipsTheConfigurationsAlreadyInTheCsv(@TempDir Path dir) throws Exception {
        RecordingScorer first = new RecordingScorer();
        sweep(first, DEFAULTS).run(dir, frozen(List.of(0, 1)), new Sweep.Listener() {});
        assertEquals(4, first.calls.size());
        byte[] csv = Files.readAllBytes(dir.resolve("sweep.csv"));

        RecordingScorer again = new RecordingScorer();
        int[] planned = new int[2];
        sweep(again, DEFAULTS).run(dir, frozen(List.of(0, 1)), new Sweep.Listener() {
            @Override
            public void planned(int toRun, int alreadyDone) {
                planned[0] = toRun;
                planned[1] = alreadyDone;
            }
        });
        assertEquals(0, again.calls.size());
        assertArrayEquals(new int[] {0, 4}, planned);
        assertArrayEquals(csv, Files.readAllBytes(dir.resolve("sweep.csv")));

        RecordingScorer more = new RecordingScorer();
        Sweep.Result r = sweep(more, DEFAULTS).run(dir, frozen(List.of(0, 1, 2)), new Sweep.Listener() {});
        assertEquals(2, more.calls.size(), "only k = 2, two poolings");
        assertEquals(2, more.calls.getFirst().layers() - more.calls.getFirst().bidirectionalFrom());
        assertEquals(6, r.rows().size());
    }

    @Test
    void interruptedSweepFinishesWithTheRowsOfAnUninterruptedOne(@TempDir Path dir) throws Exception {
        SweepSelection selection = frozen(List.of(0, 1, 2));
        RecordingScorer stops = new RecordingScorer(3);
        assertThrows(IllegalStateException.class, () -> sweep(stops, DEFAULTS).run(dir.resolve("cut"), selection, new Sweep.Listener() {}));
        assertEquals(1 + 2, Files.readAllLines(dir.resolve("cut/sweep.csv")).size(), "the two finished rows are saved");

        RecordingScorer rest = new RecordingScorer();
        sweep(rest, DEFAULTS).run(dir.resolve("cut"), selection, new Sweep.Listener() {});
        assertEquals(4, rest.calls.size());
        sweep(new RecordingScorer(), DEFAULTS).run(dir.resolve("whole"), selection, new Sweep.Listener() {});
        assertEquals(rowsWithoutSeconds(dir.resolve("whole")), rowsWithoutSeconds(dir.resolve("cut")));
    }

    @Test
    void interruptedTrainingResumesFromItsCheckpoint(@TempDir Path dir) throws Exception {
        Consumer<TrainOptions> fourSteps = o -> {
            o.maxSteps = 4;
            o.checkpointEvery = 2;
        };
        SweepSelection selection = new SweepSelection(List.of(2), List.of(Pooling.MEAN), false, true, false);
        assertThrows(IllegalStateException.class, () -> sweep(new RecordingScorer(), fourSteps).run(dir.resolve("cut"), selection,
                new Sweep.Listener() {
                    @Override
                    public Trainer.Listener training(SweepConfig config) {
                        return new Trainer.Listener() {
                            @Override
                            public void step(Trainer.Step s) {
                                if (s.step() == 3) throw new IllegalStateException("stopped at step 3");
                            }
                        };
                    }
                }));
        assertTrue(Files.isDirectory(dir.resolve("cut/runs/k2-mean/checkpoint")));

        int[] firstStep = {-1};
        RecordingScorer resumed = new RecordingScorer();
        Sweep.Result cut = sweep(resumed, fourSteps).run(dir.resolve("cut"), selection, new Sweep.Listener() {
            @Override
            public Trainer.Listener training(SweepConfig config) {
                return new Trainer.Listener() {
                    @Override
                    public void started(int first, int total) {
                        firstStep[0] = first;
                    }
                };
            }
        });
        assertEquals(2, firstStep[0], "continued after the step-2 checkpoint");
        RecordingScorer whole = new RecordingScorer();
        Sweep.Result uninterrupted = sweep(whole, fourSteps).run(dir.resolve("whole"), selection, new Sweep.Listener() {});
        assertEquals(4, cut.rows().getFirst().steps());
        assertEquals(uninterrupted.rows().getFirst().score(), cut.rows().getFirst().score());
        assertArrayEquals(Files.readAllBytes(dir.resolve("whole/runs/k2-mean/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("cut/runs/k2-mean/adapter/adapter_model.safetensors")));
    }

    @Test
    void changedSettingsRefuseToContinue(@TempDir Path dir) throws Exception {
        sweep(new RecordingScorer(), DEFAULTS).run(dir, frozen(List.of(0)), new Sweep.Listener() {});

        IllegalArgumentException prompt = assertThrows(IllegalArgumentException.class, () -> sweep(new RecordingScorer(),
                o -> o.prompt = Embedder.BELLM_PROMPT).run(dir, frozen(List.of(0)), new Sweep.Listener() {}));
        assertTrue(prompt.getMessage().contains("prompt was null, now \"The representative word"), prompt.getMessage());
        IllegalArgumentException scorer = assertThrows(IllegalArgumentException.class, () -> sweep(new RecordingScorer(), "another",
                DEFAULTS).run(dir, frozen(List.of(0)), new Sweep.Listener() {}));
        assertTrue(scorer.getMessage().contains("evaluation was"), scorer.getMessage());

        // the first trained run records its training settings; a later trained run must match them
        SweepSelection trained = new SweepSelection(List.of(0), List.of(Pooling.LAST), false, true, false);
        sweep(new RecordingScorer(), o -> o.maxSteps = 1).run(dir, trained, new Sweep.Listener() {});
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class, () -> sweep(new RecordingScorer(),
                o -> o.maxSteps = 2).run(dir, trained, new Sweep.Listener() {}));
        assertTrue(steps.getMessage().contains("\"max_steps\":1") && steps.getMessage().contains("\"max_steps\":2"), steps.getMessage());

        // frozen rows do not depend on training: a frozen run with other training options continues, keeping the recorded ones
        RecordingScorer frozenMore = new RecordingScorer();
        sweep(frozenMore, o -> o.maxSteps = 2).run(dir, frozen(List.of(0, 1)), new Sweep.Listener() {});
        assertEquals(2, frozenMore.calls.size());
        JsonNode json = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile());
        assertEquals(1, json.get("settings").get("training").get("options").get("max_steps").asInt());
    }

    @Test
    void badSelectionsAndFilesAreClearErrors(@TempDir Path dir) throws Exception {
        Sweep sweep = sweep(new RecordingScorer(), DEFAULTS);
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> sweep.plan(frozen(List.of(0, 5))));
        assertTrue(k.getMessage().contains("k = 5") && k.getMessage().contains("0..4"), k.getMessage());

        Sweep noData = new Sweep(new Sweep.Model(WEIGHTS, TOKENIZER, "tiny"), new Sweep.Training(null, List::of, TrainOptions::new),
                new Sweep.Scorer("s", new RecordingScorer()), KERNELS);
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class, () -> noData.run(dir.resolve("a"),
                new SweepSelection(List.of(0), BOTH, false, true, false), new Sweep.Listener() {}));
        assertTrue(data.getMessage().contains("training data"), data.getMessage());

        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/sweep.csv"), "kind,layers,k,bidirectional_from,pooling,trained,steps,score,seconds\n");
        IllegalArgumentException noJson = assertThrows(IllegalArgumentException.class, () -> sweep.run(dir.resolve("b"),
                frozen(List.of(0)), new Sweep.Listener() {}));
        assertTrue(noJson.getMessage().contains("no sweep.json"), noJson.getMessage());

        sweep.run(dir.resolve("c"), frozen(List.of(0)), new Sweep.Listener() {});
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve("c/sweep.csv")));
        lines.set(1, lines.get(1).replace(",4,last,", ",2,last,"));
        Files.write(dir.resolve("c/sweep.csv"), lines);
        IllegalArgumentException edited = assertThrows(IllegalArgumentException.class, () -> sweep.run(dir.resolve("c"),
                frozen(List.of(0)), new Sweep.Listener() {}));
        assertTrue(edited.getMessage().contains("sweep.csv line 2") && edited.getMessage().contains("bidirectional_from 2"), edited.getMessage());
        assertFalse(Arrays.asList(dir.resolve("c").toFile().list()).stream().anyMatch(n -> n.endsWith(".tmp")), "no temporary files left");
    }
}
