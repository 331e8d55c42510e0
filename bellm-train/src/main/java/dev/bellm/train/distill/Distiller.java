package dev.bellm.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.experiments.Sweep;
import dev.bellm.io.AtomicFiles;
import dev.bellm.io.MergedModelWriter;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Lora;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import dev.bellm.train.AdamW;
import dev.bellm.train.TrainingCheckpoint;
import dev.bellm.train.LoraInit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Distils a teacher encoder into a shallower student: the teacher's first N layers (and its final norm, pooling,
 * prompt), trained to reproduce the teacher's pooled embeddings of a corpus ({@link DistillLoss}).
 *
 * <p>What is trained: LoRA adapters on the kept layers — the teacher's own adapters there when it has them (the
 * student starts as exactly the pruned teacher), fresh ones (B = 0, so the same start) otherwise. Full fine-tuning
 * would need weight gradients for every base matrix, which the engine deliberately does not compute (base weights
 * stay memory-mapped and read-only, so a 7B teacher distils in its own file's memory); at the ranks used on small
 * models (r 32 on a 64-wide model) an adapter reaches half the rank of each matrix anyway. The saved student has the
 * adapters merged, so it runs at the pruned model's speed.
 *
 * <p>The student's recipe is the teacher's ({@link #studentSpec}): its prompts, pooling, dense heads, normalisation,
 * dimensions and token limit, and each kept layer attending as it did in the teacher (the attention clipped to the
 * student's depth), unless {@link DistillOptions#bidirectionalFrom} says otherwise.
 *
 * <p>Output folder: {@code student/} and {@code pruned/} (the same before any distillation step: the teacher's first N
 * layers as they are, the baseline to beat), each a self-describing encoder folder (Hugging Face model, adapters
 * merged, with the student's recipe in sentence-transformers files and {@value EncoderFolder#RECIPE_FILE}, so
 * {@code Embedder.load} runs it with no other setting); {@code distill.json} (provenance only: teacher, options, losses);
 * {@code loss.csv}; {@code checkpoint/} (adapters, Adam moments, step, history; replaced atomically). Started again with
 * {@code resume} a run continues from its checkpoint with the same losses: the order of sentences depends only on the
 * seed and step.
 */
public final class Distiller {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One step's figures: the training loss of the batch, and the held-out loss at checkpoints (NaN elsewhere). */
    public interface Listener {
        default void step(int step, int totalSteps, double loss) {}

        default void heldOut(int step, double loss) {}
    }

    /** What a run produced. {@code initialHeldOut} is the pruned, untrained student's loss. */
    public record Result(Path student, int steps, double initialHeldOut, double finalHeldOut, double seconds) {}

    private final Embedder teacher;
    private final Path teacherModel;
    private final DistillOptions options;
    private final EncoderSpec studentSpec;
    private final ModelWeights studentWeights;
    private final Embedder student;
    private final Transformer studentTransformer;
    private final LoraGradients grads;
    private final AdamW optimizer;

    /** A teacher loaded from its folders: its recipe names the base model (whose config and tokenizer the student takes). */
    public Distiller(Embedder teacher, DistillOptions options) {
        this(teacher, requireModel(teacher), options);
    }

    /** @param teacherModel where the teacher's base model was loaded from (its config and tokenizer go into the student folder) */
    public Distiller(Embedder teacher, Path teacherModel, DistillOptions options) {
        this.teacher = teacher;
        this.teacherModel = teacherModel;
        this.options = options;
        ModelWeights full = teacher.transformer().weights();
        if (options.studentLayers() > full.config().numLayers()) {
            throw new IllegalArgumentException("the student cannot have more layers (" + options.studentLayers() + ") than the teacher ("
                    + full.config().numLayers() + ")");
        }
        ModelWeights pruned = Sweep.firstLayers(withOwnAdapters(full), options.studentLayers());
        boolean adapted = pruned.layers().stream().anyMatch(l -> LayerWeights.PROJECTIONS.stream().anyMatch(p -> l.projection(p).lora() != null));
        this.studentWeights = adapted ? pruned
                : LoraInit.attach(pruned, LayerWeights.PROJECTIONS, options.loraRank(), options.loraAlpha(), false, options.seed());
        this.studentSpec = studentSpec(teacher.spec(), options).check(studentWeights.config());
        // while distilling, inputs are cut to the training length; the adapters change, so no prompt prefix is cached
        EncoderSpec training = studentSpec.toBuilder().maxTokens(options.maxLength()).truncation(Embedder.Truncation.KEEP_START).build();
        this.student = Embedder.builder().model(studentWeights, teacher.tokenizer()).spec(training).kernels(teacher.transformer().kernels())
                .reusePromptPrefix(false).build();
        this.studentTransformer = student.transformer();
        this.grads = new LoraGradients(studentWeights);
        this.optimizer = new AdamW(studentWeights, grads, 0.9, 0.999, 1e-8, DistillOptions.WEIGHT_DECAY);
    }

    /**
     * The recipe of a student made of the first {@code options.studentLayers()} layers of a {@code teacher} encoder:
     * the teacher's, with the attention of its kept layers (or {@code options.bidirectionalFrom()} when given), and no
     * model or adapters (the student folder is the model).
     */
    public static EncoderSpec studentSpec(EncoderSpec teacher, DistillOptions options) {
        Integer from = options.bidirectionalFrom();
        AttentionLayers attention = from == null ? teacher.attention().firstLayers(options.studentLayers())
                : AttentionLayers.fromEngine(from, options.studentLayers());
        return new EncoderSpec(null, null, List.of(), attention, teacher.pooling(), teacher.includePrompt(), teacher.prompts(),
                teacher.defaultPromptName(), teacher.normalize(), teacher.dimensions(), teacher.dense(), teacher.maxTokens(),
                teacher.truncation());
    }

    /** The recipe the saved student and pruned folders carry. */
    public EncoderSpec studentSpec() {
        return studentSpec;
    }

    /** The student as it is now (its adapters change in place while distilling). */
    public Embedder student() {
        return student;
    }

    public Result distill(List<String> corpus, Path outDir, boolean resume, Listener listener) throws IOException {
        List<String> sentences = new ArrayList<>(new LinkedHashSet<>(corpus));
        if (sentences.size() <= options.heldOut()) {
            throw new IllegalArgumentException("the corpus has " + sentences.size() + " distinct sentences; it needs more than the "
                    + options.heldOut() + " held out");
        }
        shuffle(sentences, options.seed());
        int[][] ids = sentences.stream().map(this::tokens).toArray(int[][]::new);
        float[][] targets = pooled(teacher.transformer(), teacher.bidirectionalFrom(), teacher.pooling(), ids);
        int[] heldOut = range(0, options.heldOut()), train = range(options.heldOut(), ids.length);

        Files.createDirectories(outDir);
        List<Map<String, Object>> history = new ArrayList<>();
        int step = 0;
        double secondsBefore = 0, initial;
        if (resume) {
            JsonNode state = loadCheckpoint(outDir.resolve("checkpoint"));
            step = state.get("step").asInt();
            secondsBefore = state.get("seconds").asDouble();
            initial = state.get("initial_held_out").asDouble();
            for (JsonNode h : state.get("history")) history.add(JSON.convertValue(h, LinkedHashMap.class));
        } else {
            // the pruned, untrained student as a model of its own: the baseline distillation has to beat
            writeEncoder(outDir.resolve("pruned"));
            initial = heldOutLoss(ids, targets, heldOut);
            listener.heldOut(0, initial);
        }
        int warmup = (int) Math.round(DistillOptions.WARMUP_RATIO * options.steps());
        long start = System.nanoTime();
        double last = initial;
        while (step < options.steps()) {
            int[] batch = batchAt(train, step);
            double loss = trainStep(ids, targets, batch);
            optimizer.clipGradients(DistillOptions.MAX_GRAD_NORM);
            optimizer.update(learningRate(step, warmup));
            step++;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            row.put("loss", loss);
            listener.step(step, options.steps(), loss);
            if (step == options.steps() || step % options.checkpointEvery() == 0) {
                if (heldOut.length > 0) {
                    last = heldOutLoss(ids, targets, heldOut);
                    row.put("held_out", last);
                    listener.heldOut(step, last);
                }
                history.add(row);
                saveCheckpoint(outDir.resolve("checkpoint"), step, secondsBefore + (System.nanoTime() - start) / 1e9, initial, history);
                writeLossCsv(outDir.resolve("loss.csv"), history);
            } else {
                history.add(row);
            }
        }
        double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
        Path studentDir = outDir.resolve("student");
        writeEncoder(studentDir);
        // provenance of the run; the student's recipe is in its own folder
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("teacher", teacherModel.toString());
        summary.put("teacher_encoder", teacher.settings());
        summary.put("student", studentDir.toString());
        summary.put("student_recipe", studentDir.resolve(EncoderFolder.RECIPE_FILE).toString());
        summary.put("options", options.toMap());
        summary.put("corpus_sentences", sentences.size());
        summary.put("initial_held_out_loss", initial);
        summary.put("final_held_out_loss", last);
        summary.put("steps", step);
        summary.put("seconds", seconds);
        AtomicFiles.write(outDir.resolve("distill.json"), JSON.writeValueAsBytes(summary));
        return new Result(studentDir, step, initial, last, seconds);
    }

    /** The student's weights (adapters merged) as a self-describing encoder folder in {@code dir}. */
    private void writeEncoder(Path dir) throws IOException {
        EncoderFolder.removeModuleFolders(dir); // a rerun replaces the folder an earlier one wrote, recipe included
        MergedModelWriter.write(studentWeights, teacherModel, teacher.spec().tokenizer(), dir, new MergedModelWriter.Options(
                MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true), MergedModelWriter.Progress.NONE);
        EncoderFolder.write(dir, studentSpec, studentWeights.config().hiddenSize(), studentWeights.config().numLayers());
    }

    private static Path requireModel(Embedder teacher) {
        if (teacher.spec().model() == null) {
            throw new IllegalArgumentException("the teacher was built from loaded weights; give the folder its base model came from");
        }
        return teacher.spec().model();
    }

    /** The mean loss of the student against the teacher over {@code which} sentences, in batches, no gradient. */
    private double heldOutLoss(int[][] ids, float[][] targets, int[] which) {
        double sum = 0;
        for (int start = 0; start < which.length; start += options.batchSize()) {
            int[] part = Arrays.copyOfRange(which, start, Math.min(which.length, start + options.batchSize()));
            int[][] seqs = select(ids, part);
            float[][] s = pooled(studentTransformer, student.bidirectionalFrom(), student.pooling(), seqs);
            sum += options.loss().forward(s, select(targets, part), null) * part.length;
        }
        return sum / which.length;
    }

    private double trainStep(int[][] ids, float[][] targets, int[] batch) {
        Batch packed = Batch.of(select(ids, batch));
        int h = studentTransformer.config().hiddenSize();
        float[] hidden = new float[packed.tokenCount() * h];
        Transformer.TrainingPass pass = studentTransformer.trainingForward(packed, student.bidirectionalFrom(),
                Transformer.LoraDropout.NONE, hidden);
        Pooling pooling = student.pooling();
        float[][] s = pooling.pool(hidden, packed, h);
        float[][] d = new float[s.length][h];
        double loss = options.loss().forward(s, select(targets, batch), d);
        float[] dHidden = new float[hidden.length];
        pooling.backward(d, packed, h, dHidden);
        studentTransformer.backward(pass, dHidden, grads);
        return loss;
    }

    /** Pooled final-norm hidden states, not normalised (the loss decides what of the vector counts). */
    private static float[][] pooled(Transformer t, int bidirectionalFrom, Pooling pooling, int[][] seqs) {
        List<float[]> out = new ArrayList<>();
        for (int start = 0; start < seqs.length; start += 64) {
            Batch batch = Batch.of(Arrays.copyOfRange(seqs, start, Math.min(seqs.length, start + 64)));
            out.addAll(Arrays.asList(pooling.pool(t.hiddenStates(batch, bidirectionalFrom), batch, t.config().hiddenSize())));
        }
        return out.toArray(float[][]::new);
    }

    /** The training sentences of {@code step}: consecutive slices of a per-epoch shuffle, seeded by (seed, epoch). */
    private int[] batchAt(int[] train, int step) {
        int[] batch = new int[options.batchSize()];
        for (int i = 0; i < batch.length; i++) {
            long position = (long) step * options.batchSize() + i;
            int epoch = (int) (position / train.length), offset = (int) (position % train.length);
            batch[i] = epochOrder(train, epoch)[offset];
        }
        return batch;
    }

    private int cachedEpoch = -1;
    private int[] cachedOrder;

    private int[] epochOrder(int[] train, int epoch) {
        if (epoch != cachedEpoch) {
            cachedOrder = train.clone();
            SplittableRandom rng = new SplittableRandom(options.seed() * 1_000_003L + epoch);
            for (int i = cachedOrder.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1), tmp = cachedOrder[i];
                cachedOrder[i] = cachedOrder[j];
                cachedOrder[j] = tmp;
            }
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    private double learningRate(int step, int warmup) {
        if (step < warmup) return options.learningRate() * (step + 1) / warmup;
        return options.learningRate() * Math.max(0, options.steps() - step) / Math.max(1, options.steps() - warmup);
    }

    private int[] tokens(String text) {
        int[] ids = student.tokenize(text);
        return ids.length > options.maxLength() ? Arrays.copyOf(ids, options.maxLength()) : ids;
    }

    /**
     * {@code weights} with every adapter matrix copied to the heap: the teacher's adapters may be memory-mapped
     * read-only, and the student's copies are trained while the teacher's must stay as they are.
     */
    private static ModelWeights withOwnAdapters(ModelWeights weights) {
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights layer : weights.layers()) {
            layers.add(layer.mapProjections((name, linear) -> linear.lora() == null ? linear
                    : linear.withLora(new Lora(copy(linear.lora().a()), copy(linear.lora().b()), linear.lora().scale()))));
        }
        return weights.withLayers(layers);
    }

    private static Matrix copy(Matrix m) {
        float[] values = new float[m.rows * m.cols];
        for (int r = 0; r < m.rows; r++) m.row(r, values, r * m.cols);
        return Matrix.of(m.name, DType.F32, m.rows, m.cols, values);
    }

    private static void shuffle(List<String> list, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = list.size() - 1; i > 0; i--) java.util.Collections.swap(list, i, rng.nextInt(i + 1));
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    private static int[][] select(int[][] all, int[] which) {
        int[][] out = new int[which.length][];
        for (int i = 0; i < which.length; i++) out[i] = all[which[i]];
        return out;
    }

    private static float[][] select(float[][] all, int[] which) {
        float[][] out = new float[which.length][];
        for (int i = 0; i < which.length; i++) out[i] = all[which[i]];
        return out;
    }

    // ---------------------------------------------------------------- checkpoints

    private void saveCheckpoint(Path dir, int step, double seconds, double initial, List<Map<String, Object>> history) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("seconds", seconds);
        state.put("initial_held_out", initial);
        state.put("options", options.toMap());
        state.put("history", history);
        TrainingCheckpoint.save(dir, optimizer, state);
    }

    private JsonNode loadCheckpoint(Path dir) throws IOException {
        return TrainingCheckpoint.load(dir, optimizer, options.toMap(), "distilled");
    }

    private static void writeLossCsv(Path file, List<Map<String, Object>> history) throws IOException {
        StringBuilder sb = new StringBuilder("step,loss,held_out\n");
        for (Map<String, Object> h : history) {
            sb.append(h.get("step")).append(',').append(h.get("loss")).append(',')
                    .append(h.get("held_out") == null ? "" : h.get("held_out")).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
