package dev.bellm.train.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.Dense;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EncoderFolder;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.embed.Pooling;
import dev.bellm.experiments.Sweep;
import dev.bellm.io.AtomicFiles;
import dev.bellm.io.MergedModelWriter;
import dev.bellm.io.ModelLoader;
import dev.bellm.model.AttentionLayers;
import dev.bellm.model.Batch;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.LoraGradients;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.Transformer;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.train.AdamW;
import dev.bellm.train.LossCurve;
import dev.bellm.train.TrainingCheckpoint;
import dev.bellm.train.LoraInit;

import java.io.IOException;
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
 * Distils a teacher encoder into a smaller student trained to reproduce the teacher's pooled embeddings of a corpus
 * ({@link DistillLoss}). The student comes from a {@link StudentSource}, and everything after that is one path:
 * <ul>
 *   <li>{@link StudentSource.TeacherLayers}: the teacher's first N layers and its final norm (a pruned teacher), with
 *       the teacher's tokenizer and width;</li>
 *   <li>{@link StudentSource.Model}: another model (Hugging Face folder, llama2.c {@code .bin}, encoder folder) with
 *       its own tokenizer, followed by a trained linear {@link Projection} from its width to the teacher's.</li>
 * </ul>
 *
 * <p>What is trained: LoRA adapters on the student's layers — a pruned teacher's own adapters there when it has them
 * (the student starts as exactly the pruned teacher), fresh ones (B = 0, so the same start) otherwise — and, for
 * another model, the projection. Full fine-tuning would need weight gradients for every base matrix, which the engine
 * deliberately does not compute (base weights stay memory-mapped and read-only, so a 7B teacher distils in its own
 * file's memory); at the ranks used on small models (r 32 on a 64-wide model) an adapter reaches half the rank of each
 * matrix anyway. The saved student has the adapters merged, so it runs at the bare model's speed.
 *
 * <p>Why a projection, not a refusal, when the widths differ: the loss compares vectors feature by feature, so a
 * student of another width (or of the same width but an unrelated basis: another model's hidden features mean nothing
 * in the teacher's) needs a map into the teacher's space. A linear one is what sentence-transformers already saves
 * as a {@code Dense} head, so the student folder stays a plain encoder folder; its gradient is two lines
 * ({@link Projection}). It starts at the ridge least-squares fit of the untrained student's vectors to the teacher's
 * (on the first {@value #PROJECTION_FIT_SENTENCES} training sentences), so the baseline to beat is the best linear
 * read-out of the untrained student, not a random map. Every other model gets one, whatever its width; a pruned
 * teacher never does (its features are the teacher's).
 *
 * <p>The student's recipe ({@link #studentSpec}): its own tokenizer and weights; the teacher's prompts, pooling,
 * {@code include_prompt}, dense heads (after the projection), normalisation, dimensions and truncation — the loss
 * matches the teacher's pooled vector, so the student must be read the way the teacher is, and a prompt is text both
 * tokenizers can take; to change them, change the teacher's recipe (its folders, the encoder flags). Its attention:
 * {@link DistillOptions#bidirectionalFrom} when given, else the source's own (a pruned teacher's kept layers attend as
 * in the teacher, clipped to the student's depth; another model as its folder says — {@code config.json}'s
 * {@code is_causal}/{@code use_bidirectional_attention} or {@value EncoderFolder#RECIPE_FILE} — else causally). Its
 * token limit: the teacher's for a pruned teacher, the other model's folder's (else its own maximum) otherwise. Each
 * side tokenizes the prompted text with its own tokenizer, cut to {@link DistillOptions#maxLength} tokens. Another
 * model's own pooling, prompts, heads and normalisation are not used ({@link #notes} says which were dropped). A
 * teacher whose mean leaves out its prompt ({@code include_prompt} false) is refused: the training pass pools every
 * token, as {@code Trainer}'s does.
 *
 * <p>Output folder: {@code student/} and the same before any distillation step, the baseline to beat
 * ({@code pruned/}: the teacher's first N layers as they are; {@code untrained/}: the other model with its fitted
 * projection), each a self-describing encoder folder (Hugging Face model, adapters merged, with the student's recipe
 * in sentence-transformers files, the projection as {@code 2_Dense}, and {@value EncoderFolder#RECIPE_FILE}, so
 * {@code Embedder.load} runs it with no other setting); {@code distill.json} (provenance only: teacher, student
 * source, options, losses); {@code loss.csv}; {@code checkpoint/} (adapters, projection, Adam moments, step, history;
 * replaced atomically). Started again with {@code resume} a run continues from its checkpoint with the same losses:
 * the order of sentences depends only on the seed and step.
 */
public final class Distiller {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Training sentences the projection's least-squares start is fitted on: many times the unknowns per output of a small student. */
    static final int PROJECTION_FIT_SENTENCES = 4096;

    /** One step's figures: the training loss of the batch, and the held-out loss at checkpoints (NaN elsewhere). */
    public interface Listener {
        default void step(int step, int totalSteps, double loss) {}

        default void heldOut(int step, double loss) {}
    }

    /**
     * What a run produced. {@code initialHeldOut} is the untrained student's loss (the pruned teacher, or the other
     * model with its fitted projection), saved as {@code baseline}.
     */
    public record Result(Path student, Path baseline, int steps, double initialHeldOut, double finalHeldOut, double seconds) {}

    /**
     * A student source made concrete: its weights (adapters it already has included), tokenizer, the folder or file its
     * config and tokenizer files are copied from (and the tokenizer file, when not there), its own attention and token
     * limit, and the name of the untrained baseline's folder.
     */
    private record Source(ModelWeights weights, Tokenizer tokenizer, Path files, Path tokenizerFile, AttentionLayers attention,
                          Integer maxTokens, String baseline, List<String> notes) {}

    private final Embedder teacher;
    private final Path teacherModel;
    private final DistillOptions options;
    private final Source source;
    private final ModelWeights studentWeights;
    /** Student width → teacher width; null for a pruned teacher. */
    private final Projection projection;
    /** The student's recipe without the projection (which changes while distilling). */
    private final EncoderSpec recipe;
    private final Embedder student;
    private final Transformer studentTransformer;
    private final LoraGradients grads;
    private final AdamW optimizer;

    /** A teacher loaded from its folders: its recipe names the base model (whose config and tokenizer a pruned student takes). */
    public Distiller(Embedder teacher, DistillOptions options) {
        this(teacher, requireModel(teacher), options);
    }

    /** @param teacherModel where the teacher's base model was loaded from (a pruned student's config and tokenizer come from it) */
    public Distiller(Embedder teacher, Path teacherModel, DistillOptions options) {
        this.teacher = teacher;
        this.teacherModel = teacherModel;
        this.options = options;
        if (teacher.meanSkip(null) > 0) {
            // the targets and the student's training pass pool every token; a mean without the prompt would train one
            // vector and save another
            throw new IllegalArgumentException("distillation pools every token; a teacher whose mean leaves out its prompt (include_prompt false)"
                    + " is not supported");
        }
        this.source = switch (options.student()) {
            case StudentSource.TeacherLayers t -> prunedTeacher(teacher, teacherModel, t.layers());
            case StudentSource.Model m -> otherModel(m);
        };
        boolean adapted = source.weights().layers().stream()
                .anyMatch(l -> LayerWeights.PROJECTIONS.stream().anyMatch(p -> l.projection(p).lora() != null));
        this.studentWeights = adapted ? source.weights()
                : LoraInit.attach(source.weights(), LayerWeights.PROJECTIONS, options.loraRank(), options.loraAlpha(), false, options.seed());
        ModelConfig config = studentWeights.config();
        this.projection = options.student() instanceof StudentSource.Model
                ? new Projection(config.hiddenSize(), teacher.transformer().config().hiddenSize()) : null;
        this.recipe = studentSpec(teacher.spec(), attention(source.attention(), options.bidirectionalFrom(), config.numLayers()),
                source.maxTokens());
        // while distilling, inputs are cut to the training length; the adapters change, so no prompt prefix is cached
        this.student = embedder(studentSpec().check(config));
        this.studentTransformer = student.transformer();
        this.grads = new LoraGradients(studentWeights);
        this.optimizer = new AdamW(studentWeights, grads, 0.9, 0.999, 1e-8, DistillOptions.WEIGHT_DECAY);
        if (projection != null) {
            optimizer.train(projection.weight.name, projection.weight, projection.dWeight).train(projection.bias.name, projection.bias, projection.dBias);
        }
    }

    private static Source prunedTeacher(Embedder teacher, Path teacherModel, int layers) {
        ModelWeights full = teacher.transformer().weights();
        if (layers > full.config().numLayers()) {
            throw new IllegalArgumentException("the student cannot have more layers (" + layers + ") than the teacher ("
                    + full.config().numLayers() + ")");
        }
        return new Source(Sweep.firstLayers(withOwnAdapters(full), layers), teacher.tokenizer(), teacherModel, teacher.spec().tokenizer(),
                teacher.attention().firstLayers(layers), teacher.spec().maxTokens(), "pruned", List.of());
    }

    private static Source otherModel(StudentSource.Model m) {
        ModelWeights weights = ModelLoader.load(m.model());
        Tokenizer tokenizer = Tokenizers.forModel(m.model(), m.tokenizer());
        tokenizer.checkFits(weights.config().vocabSize(), m.model());
        EncoderSpec.Builder own = EncoderFolder.read(m.model());
        Map<String, Object> stated = new LinkedHashMap<>(own.stated());
        stated.keySet().removeAll(List.of("attention", "max_tokens"));
        List<String> notes = stated.isEmpty() ? List.of()
                : List.of("the student model's own " + String.join(", ", stated.keySet()) + " (" + m.model()
                        + ") are not used: the student is read the teacher's way");
        EncoderSpec ownRecipe = own.build();
        return new Source(weights, tokenizer, m.model(), m.tokenizer(), ownRecipe.attention(), ownRecipe.maxTokens(), "untrained", notes);
    }

    /**
     * The student's attention: layers {@code >= bidirectionalFrom} bidirectional when that is given
     * ({@link Transformer#CAUSAL}: none; any other value must be one of the student's {@code numLayers} layers), else
     * the source's {@code own}.
     */
    public static AttentionLayers attention(AttentionLayers own, Integer bidirectionalFrom, int numLayers) {
        if (bidirectionalFrom == null) return own;
        if (bidirectionalFrom == Transformer.CAUSAL) return AttentionLayers.causal();
        return AttentionLayers.bidirectionalFrom(bidirectionalFrom).check(numLayers);
    }

    /**
     * The recipe of a student of a {@code teacher} encoder, before any projection: the teacher's, with the student's
     * {@code attention} and token limit ({@code maxTokens}; null: the model's maximum), and no model or adapters (the
     * student folder is the model).
     */
    public static EncoderSpec studentSpec(EncoderSpec teacher, AttentionLayers attention, Integer maxTokens) {
        return new EncoderSpec(null, null, List.of(), attention, teacher.pooling(), teacher.includePrompt(), teacher.prompts(),
                teacher.defaultPromptName(), teacher.normalize(), teacher.dimensions(), teacher.dense(), maxTokens, teacher.truncation());
    }

    /** The recipe the saved student and baseline folders carry: the projection as it is now, then the teacher's heads. */
    public EncoderSpec studentSpec() {
        if (projection == null) return recipe;
        List<Dense> heads = new ArrayList<>();
        heads.add(projection.toDense());
        heads.addAll(recipe.dense());
        return recipe.toBuilder().dense(heads).build();
    }

    /** What the student's construction decided that its user may not expect (settings of its source left unused). */
    public List<String> notes() {
        return source.notes();
    }

    /** The student as it is now, on the training inputs (cut to the training length); a snapshot of the projection. */
    public Embedder student() {
        return embedder(studentSpec());
    }

    private Embedder embedder(EncoderSpec spec) {
        EncoderSpec training = spec.toBuilder().maxTokens(options.maxLength()).truncation(Embedder.Truncation.KEEP_START).build();
        return Embedder.builder().model(studentWeights, source.tokenizer()).spec(training).kernels(teacher.transformer().kernels())
                .reusePromptPrefix(false).build();
    }

    public Result distill(List<String> corpus, Path outDir, boolean resume, Listener listener) throws IOException {
        List<String> sentences = new ArrayList<>(new LinkedHashSet<>(corpus));
        if (sentences.size() <= options.heldOut()) {
            throw new IllegalArgumentException("the corpus has " + sentences.size() + " distinct sentences; it needs more than the "
                    + options.heldOut() + " held out");
        }
        shuffle(sentences, options.seed());
        // each side tokenizes the prompted text its own way (the same ids for a pruned teacher)
        int[][] ids = sentences.stream().map(t -> cut(student.tokenize(t))).toArray(int[][]::new);
        int[][] teacherIds = sentences.stream().map(t -> cut(teacher.tokenize(t))).toArray(int[][]::new);
        float[][] targets = pooled(teacher.transformer(), teacher.bidirectionalFrom(), teacher.pooling(), teacherIds);
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
            if (projection != null) {
                int[] fit = Arrays.copyOf(train, Math.min(train.length, PROJECTION_FIT_SENTENCES));
                projection.fit(pooled(studentTransformer, student.bidirectionalFrom(), student.pooling(), select(ids, fit)), select(targets, fit));
            }
            // the untrained student as a model of its own: the baseline distillation has to beat
            writeEncoder(outDir.resolve(source.baseline()));
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
                LossCurve.write(outDir.resolve(LossCurve.FILE), List.of("step", "loss", "held_out"), history);
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
        summary.put("student_source", options.student().describe());
        summary.put("student", studentDir.toString());
        summary.put("baseline", outDir.resolve(source.baseline()).toString());
        summary.put("student_recipe", studentDir.resolve(EncoderFolder.RECIPE_FILE).toString());
        summary.put("options", options.toMap());
        summary.put("corpus_sentences", sentences.size());
        summary.put("initial_held_out_loss", initial);
        summary.put("final_held_out_loss", last);
        summary.put("steps", step);
        summary.put("seconds", seconds);
        AtomicFiles.write(outDir.resolve("distill.json"), JSON.writeValueAsBytes(summary));
        return new Result(studentDir, outDir.resolve(source.baseline()), step, initial, last, seconds);
    }

    /** The student's weights (adapters merged) as a self-describing encoder folder in {@code dir}. */
    private void writeEncoder(Path dir) throws IOException {
        EncoderFolder.removeModuleFolders(dir); // a rerun replaces the folder an earlier one wrote, recipe included
        MergedModelWriter.write(studentWeights, source.files(), source.tokenizerFile(), dir, new MergedModelWriter.Options(
                MergedModelWriter.DEFAULT_MAX_SHARD_BYTES, true), MergedModelWriter.Progress.NONE);
        EncoderFolder.write(dir, studentSpec(), studentWeights.config().hiddenSize(), studentWeights.config().numLayers());
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
            float[][] s = project(pooled(studentTransformer, student.bidirectionalFrom(), student.pooling(), seqs));
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
        float[][] s = pooling.pool(hidden, packed, h), y = project(s);
        float[][] dy = new float[y.length][y[0].length];
        double loss = options.loss().forward(y, select(targets, batch), dy);
        float[][] ds = projection == null ? dy : projection.backward(s, dy);
        float[] dHidden = new float[hidden.length];
        pooling.backward(ds, packed, h, dHidden);
        studentTransformer.backward(pass, dHidden, grads);
        return loss;
    }

    /** The student's pooled vectors in the teacher's width: through the projection, when there is one. */
    private float[][] project(float[][] pooled) {
        return projection == null ? pooled : projection.forward(pooled);
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

    /** Token ids cut to the training length (longer ones keep their start). */
    private int[] cut(int[] ids) {
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

}
