package dev.bellm.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.SafetensorsFile.StreamedTensor;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelFamily;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import dev.bellm.tokenizer.HfTokenizer;
import dev.bellm.tokenizer.Llama2cTokenizer;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Writes a model with its LoRA merged in as a Hugging Face model directory, loadable by {@link HfCheckpoint} and by
 * transformers: {@code config.json}, {@code model.safetensors} (or shards with {@code model.safetensors.index.json})
 * holding every tensor under its Hugging Face name, and the tokenizer files.
 *
 * <ul>
 *   <li>Each adapted projection becomes {@code W' = W + scale · B · A}, computed in float and stored back in W's dtype
 *       (a BF16 model stays BF16); every other matrix is copied as stored. Norm weights and biases are stored in the
 *       model's dtype when it holds them exactly (always so for a checkpoint saved in one dtype), else in F32, so no
 *       value is rounded.</li>
 *   <li>A Hugging Face base keeps its {@code config.json} byte for byte (shapes do not change), with its tokenizer
 *       files and {@code generation_config.json}. A llama2.c base gets a {@code llama} config built from its header,
 *       its {@code tok*.bin} copied in (which {@link Tokenizers#fileFor} finds there), and its q/k rows reordered from
 *       the interleaved RoPE layout to Hugging Face's rotate_half layout.</li>
 *   <li>Memory: tensors are made one at a time while the file is written; only the matrix being merged is held, in its
 *       stored dtype, plus one float row per thread.</li>
 *   <li>Everything is written into a temporary directory beside the output and renamed into place at the end, so the
 *       output is either the complete merged model or untouched.</li>
 * </ul>
 */
public final class MergedModelWriter {
    /** Tensor bytes per shard file unless the caller says otherwise. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 4L << 30;
    /** Files beside a {@code tokenizer.json} that belong to the same tokenizer and are copied with it. */
    private static final List<String> TOKENIZER_COMPANIONS = List.of("tokenizer_config.json", "special_tokens_map.json");
    private static final String GENERATION_CONFIG = "generation_config.json";
    /** The name {@link Tokenizers#fileFor} looks for in a directory; a llama2.c tokenizer named otherwise is renamed. */
    private static final PathMatcher LLAMA2C_TOKENIZER_NAME = FileSystems.getDefault().getPathMatcher("glob:tok*.bin");
    private static final String LLAMA2C_TOKENIZER_FALLBACK_NAME = "tokenizer.bin";
    private static final int ROWS_PER_TASK = 64;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();

    private MergedModelWriter() {}

    /**
     * @param maxShardBytes most tensor bytes in one safetensors file; a tensor larger than that gets a file of its own
     * @param overwrite     replace a non-empty output directory
     */
    public record Options(long maxShardBytes, boolean overwrite) {
        public static final Options DEFAULTS = new Options(DEFAULT_MAX_SHARD_BYTES, false);

        public Options {
            if (maxShardBytes <= 0) throw new IllegalArgumentException("the shard size must be positive, got " + maxShardBytes);
        }
    }

    /** Told as each tensor is made (merged or read), so a front end can show progress. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total) -> {};

        void tensorsDone(int done, int total);
    }

    /**
     * What was written.
     *
     * @param files       the file names in the directory, sorted
     * @param shards      safetensors files (1: a single {@code model.safetensors})
     * @param tensorBytes the tensor data of all shards (the index's {@code total_size})
     * @param replaced    the files of the model directory that was there before and was replaced (empty when none)
     */
    /** The output directory holds something and overwriting was not allowed. */
    public static final class OutputNotEmptyException extends IllegalArgumentException {
        public OutputNotEmptyException(Path output) {
            super("the output directory " + output + " is not empty; choose another directory, or allow replacing the model in it");
        }
    }

    public record Result(Path directory, List<String> files, int tensors, int shards, long tensorBytes, List<String> replaced) {}

    /**
     * Loads {@code base} (a Hugging Face directory or llama2.c {@code .bin}), applies the PEFT adapters in order (their
     * deltas add, as {@code Embedder} applies them: LLM2Vec's MNTP then supervised adapters; none when empty), and
     * writes the merged model to {@code output}.
     *
     * @param tokenizer the tokenizer to carry, when not the one that belongs to {@code base} (null: that one)
     */
    public static Result merge(Path base, Path tokenizer, List<Path> adapters, Path output, Options options, Progress progress)
            throws IOException {
        List<String> replaced = checkOutput(output, options.overwrite(), inputs(base, tokenizer, adapters));
        return writeChecked(adapted(base, adapters), base, tokenizer, output, options, progress, replaced, false);
    }

    private static ModelWeights adapted(Path base, List<Path> adapters) {
        ModelWeights model = ModelLoader.load(base);
        for (Path adapter : adapters == null ? List.<Path>of() : adapters) model = PeftAdapter.load(adapter).apply(model);
        return model;
    }

    private static Path[] inputs(Path base, Path tokenizer, List<Path> adapters) {
        List<Path> all = new java.util.ArrayList<>();
        all.add(base);
        all.add(tokenizer);
        if (adapters != null) all.addAll(adapters);
        return all.toArray(Path[]::new);
    }

    /**
     * Loads {@code base}, merges the adapters (in order; none when empty), and writes it to {@code output} with the
     * weight matrices (projections, embeddings, lm_head) in {@link DType#Q8_0} where their rows are whole 32-value
     * blocks; the others, norms and biases stay as they are. The result loads like any model, memory-mapped.
     */
    public static Result quantize(Path base, List<Path> adapters, Path output, Options options, Progress progress) throws IOException {
        List<String> replaced = checkOutput(output, options.overwrite(), inputs(base, null, adapters));
        return writeChecked(adapted(base, adapters), base, null, output, options, progress, replaced, true);
    }

    /**
     * Writes {@code model} (LoRA attached or not) to {@code output}, merged.
     *
     * @param base      where {@code model} was loaded from: its config and tokenizer are copied from there
     * @param tokenizer the tokenizer to carry, when not the one that belongs to {@code base} (null: that one)
     */
    public static Result write(ModelWeights model, Path base, Path tokenizer, Path output, Options options, Progress progress)
            throws IOException {
        List<String> replaced = checkOutput(output, options.overwrite(), base, tokenizer);
        return writeChecked(model, base, tokenizer, output, options, progress, replaced, false);
    }

    private static Result writeChecked(ModelWeights model, Path base, Path tokenizer, Path output, Options options,
                                       Progress progress, List<String> replaced, boolean quantize) throws IOException {
        Map<String, Path> copies = tokenizerFiles(model, base, tokenizer);
        byte[] config = configJson(model, base);
        List<StreamedTensor> tensors = tensors(model, quantize);
        List<List<StreamedTensor>> shards = shards(tensors, options.maxShardBytes());

        Path target = output.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = freshDirectory(parent, "." + target.getFileName() + ".merging-");
        try {
            Files.write(tmp.resolve(HfCheckpoint.CONFIG_FILE), config);
            for (Map.Entry<String, Path> copy : copies.entrySet()) {
                // from a stream, not Files.copy(Path, Path): that would carry a read-only source's mode into the output
                try (InputStream in = Files.newInputStream(copy.getValue())) {
                    Files.copy(in, tmp.resolve(copy.getKey()));
                }
            }
            Map<String, String> metadata = quantize
                    ? Map.of("format", "pt", "bellm.quantization", "q8_0", "bellm.q8_block", Integer.toString(DType.Q8_BLOCK))
                    : Map.of("format", "pt");
            long totalBytes = writeShards(tmp, shards, tensors.size(), progress, metadata);
            replace(tmp, target);
            List<String> files;
            try (Stream<Path> listing = Files.list(target)) {
                files = listing.map(p -> p.getFileName().toString()).sorted().toList();
            }
            return new Result(target, files, tensors.size(), shards.size(), totalBytes, replaced);
        } finally {
            deleteRecursively(tmp);
        }
    }

    // ---------------------------------------------------------------- output directory

    /**
     * The output may be new or an empty directory; a non-empty one only with {@code overwrite}, and then only a model
     * directory: flat (a model directory has no subdirectories), holding {@code config.json} and safetensors weights, as
     * what bellm merge writes does. Anything else (a folder of notes, a home directory, a mistyped path) is refused, so
     * {@code --force} cannot wipe a user's files. It must not hold any of the inputs, which replacing it would delete.
     *
     * @return the names of the files that replacing the output will remove (empty when there is nothing to replace)
     */
    private static List<String> checkOutput(Path output, boolean overwrite, Path... inputs) throws IOException {
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new IllegalArgumentException(output + " exists and is not a directory; the merged model is written as a"
                    + " directory: choose a new path");
        }
        Path target = Files.exists(output) ? output.toRealPath() : output.toAbsolutePath().normalize();
        for (Path input : inputs) {
            if (input != null && Files.exists(input) && input.toRealPath().startsWith(target)) {
                throw new IllegalArgumentException("the output directory " + output + " holds the input " + input
                        + "; write the merged model to another directory");
            }
        }
        if (!Files.isDirectory(output)) return List.of();
        List<Path> entries;
        try (Stream<Path> listing = Files.list(output)) {
            entries = listing.sorted().toList();
        }
        if (entries.isEmpty()) return List.of();
        if (!overwrite) {
            throw new OutputNotEmptyException(output);
        }
        for (Path entry : entries) {
            if (Files.isDirectory(entry)) {
                throw new IllegalArgumentException("the output directory " + output + " holds the subdirectory "
                        + entry.getFileName() + ", so it is not a model directory; bellm replaces only flat model"
                        + " directories: remove it yourself or choose another directory");
            }
        }
        List<String> names = entries.stream().map(p -> p.getFileName().toString()).toList();
        boolean model = names.contains(HfCheckpoint.CONFIG_FILE) && names.stream().anyMatch(n -> n.endsWith(".safetensors"));
        if (!model) {
            throw new IllegalArgumentException("the output directory " + output + " holds no model (" + HfCheckpoint.CONFIG_FILE
                    + " and safetensors weights) but " + abbreviated(names) + "; bellm replaces only a model directory:"
                    + " remove the files yourself or choose another directory");
        }
        return names;
    }

    private static String abbreviated(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + " and " + (names.size() - 10) + " more";
    }

    /** Renames {@code tmp} to {@code target}; an existing target is moved aside first and deleted once the new one is in place. */
    private static void replace(Path tmp, Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path aside = freshDirectory(target.getParent(), "." + target.getFileName() + ".replaced-");
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE); // rename(2) replaces the empty directory just made
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        deleteRecursively(aside);
    }

    /**
     * A new empty directory named {@code prefix} + a random number. Unlike {@link Files#createTempDirectory}, which makes
     * it private to the user, it gets the permissions the umask gives, which the renamed output keeps.
     */
    private static Path freshDirectory(Path parent, String prefix) throws IOException {
        while (true) {
            try {
                return Files.createDirectory(parent.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)));
            } catch (FileAlreadyExistsException e) {
                // taken: draw another name
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    // ---------------------------------------------------------------- config and tokenizer

    /** A Hugging Face base's config.json as is; for a llama2.c base, the llama config its header describes. */
    private static byte[] configJson(ModelWeights model, Path base) throws IOException {
        ModelConfig c = model.config();
        if (c.family() != ModelFamily.LLAMA2C) {
            Path config = base.resolve(HfCheckpoint.CONFIG_FILE);
            if (!Files.isDirectory(base) || !Files.isRegularFile(config)) {
                throw new IllegalArgumentException(base + ": a " + c.architecture() + " model must come from a Hugging Face"
                        + " directory with config.json, which the merged model keeps");
            }
            byte[] bytes = Files.readAllBytes(config);
            JsonNode parsed = JSON.readTree(bytes);
            if (!(parsed instanceof ObjectNode json) || json.path("num_hidden_layers").asInt(c.numLayers()) == c.numLayers()) return bytes;
            // a pruned model (a distillation student: the base's first layers) says its own depth, per-layer lists cut to it
            json.put("num_hidden_layers", c.numLayers());
            if (json.get("layer_types") instanceof ArrayNode types) {
                while (types.size() > c.numLayers()) types.remove(types.size() - 1);
            }
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
        }
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("LlamaForCausalLM");
        json.put("model_type", ModelFamily.LLAMA.modelType);
        json.put("hidden_size", c.hiddenSize());
        json.put("intermediate_size", c.intermediateSize());
        json.put("num_hidden_layers", c.numLayers());
        json.put("num_attention_heads", c.numHeads());
        json.put("num_key_value_heads", c.numKvHeads());
        json.put("vocab_size", c.vocabSize());
        json.put("max_position_embeddings", c.maxPositionEmbeddings());
        json.put("rms_norm_eps", c.rmsNormEps());
        json.put("rope_theta", c.ropeTheta());
        json.put("hidden_act", "silu");
        json.put("attention_bias", false);
        json.put("tie_word_embeddings", c.tieWordEmbeddings());
        json.put("bos_token_id", c.bosTokenId());
        json.put("eos_token_id", c.eosTokenId());
        json.put("torch_dtype", switch (model.dtype()) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case Q8_0 -> "int8"; // bellm's Q8_0 (see the safetensors metadata); bellm reads no torch_dtype
        });
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    }

    /**
     * Output name to source file of what the merged directory carries besides weights and config: the tokenizer (checked
     * to load and fit the model first, so a wrong one fails before the merge) and a Hugging Face base's generation config.
     */
    private static Map<String, Path> tokenizerFiles(ModelWeights model, Path base, Path override) {
        Path file = override != null ? override : Tokenizers.fileFor(base);
        if (Files.isDirectory(file)) file = file.resolve("tokenizer.json");
        Tokenizer tokenizer = Tokenizers.load(file);
        try {
            tokenizer.checkFits(model.config().vocabSize(), base);
        } finally {
            if (tokenizer instanceof HfTokenizer hf) hf.close();
        }
        Map<String, Path> files = new LinkedHashMap<>();
        if (tokenizer instanceof Llama2cTokenizer) {
            boolean findable = LLAMA2C_TOKENIZER_NAME.matches(file.getFileName());
            files.put(findable ? file.getFileName().toString() : LLAMA2C_TOKENIZER_FALLBACK_NAME, file);
        } else {
            files.put("tokenizer.json", file);
            for (String companion : TOKENIZER_COMPANIONS) {
                Path path = file.resolveSibling(companion);
                if (Files.isRegularFile(path)) files.put(companion, path);
            }
        }
        Path generationConfig = base.resolve(GENERATION_CONFIG);
        if (Files.isDirectory(base) && Files.isRegularFile(generationConfig)) files.put(GENERATION_CONFIG, generationConfig);
        return files;
    }

    // ---------------------------------------------------------------- tensors

    /** Every tensor of the Hugging Face layout, each made only when written. */
    private static List<StreamedTensor> tensors(ModelWeights model, boolean quantize) {
        ModelConfig c = model.config();
        DType dtype = model.dtype();
        List<StreamedTensor> out = new ArrayList<>();
        out.addAll(matrix("model.embed_tokens.weight", model.embedTokens(), quantize));
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights layer = model.layers().get(l);
            String p = "model.layers." + l + ".";
            out.add(vector(p + "input_layernorm.weight", layer.inputLayernorm(), dtype));
            if (layer.qNorm() != null) {
                out.add(vector(p + "self_attn.q_norm.weight", layer.qNorm(), dtype));
                out.add(vector(p + "self_attn.k_norm.weight", layer.kNorm(), dtype));
            }
            out.add(vector(p + "post_attention_layernorm.weight", layer.postAttentionLayernorm(), dtype));
            for (String projection : LayerWeights.PROJECTIONS) {
                String module = PeftAdapter.moduleName(l, projection);
                Linear linear = layer.projection(projection);
                // RoPE rotates q and k; v and o never see it
                boolean rotated = projection.equals("q_proj") || projection.equals("k_proj");
                int[] rowOrder = c.ropeInterleaved() && rotated ? rotateHalfRowOrder(linear.out(), c.headDim()) : null;
                if (quantize && linear.in() % DType.Q8_BLOCK == 0) {
                    out.addAll(quantizedProjection(module + ".weight", linear, rowOrder));
                } else {
                    out.addAll(projection(module + ".weight", linear, rowOrder));
                }
                if (linear.bias() != null) out.add(vector(module + ".bias", reordered(linear.bias(), rowOrder), dtype));
            }
        }
        out.add(vector("model.norm.weight", model.norm(), dtype));
        if (!c.tieWordEmbeddings()) out.addAll(matrix("lm_head.weight", model.lmHead(), quantize));
        return out;
    }

    /** A whole matrix as stored, or quantized to Q8_0 when asked and its rows are whole blocks. */
    private static List<StreamedTensor> matrix(String name, Matrix m, boolean quantize) {
        if (m.dtype == DType.Q8_0) return quantizedTensors(name, m, () -> m, () -> { });
        if (!quantize || m.cols % DType.Q8_BLOCK != 0) return List.of(stored(name, m));
        Matrix[] made = new Matrix[1];
        return quantizedTensors(name, m, () -> made[0] != null ? made[0] : (made[0] = m.quantized()), () -> made[0] = null);
    }

    /** A matrix copied as stored: the data is written straight from its (usually memory-mapped) segment. */
    private static StreamedTensor stored(String name, Matrix m) {
        return new StreamedTensor(name, m.dtype.name(), new long[] {m.rows, m.cols}, m.data.byteSize(), arena -> m.data);
    }

    private static List<StreamedTensor> projection(String name, Linear linear, int[] rowOrder) {
        Matrix w = linear.weight();
        if (w.dtype == DType.Q8_0) {
            if (linear.lora() != null || rowOrder != null) {
                throw new IllegalArgumentException(name + ": a Q8_0 weight cannot be merged or reordered; quantize the merged model instead");
            }
            return quantizedTensors(name, w, () -> w, () -> { });
        }
        if (linear.lora() == null && rowOrder == null) return List.of(stored(name, w));
        return List.of(new StreamedTensor(name, w.dtype.name(), new long[] {w.rows, w.cols}, w.data.byteSize(),
                arena -> merged(w, linear.lora(), rowOrder, arena)));
    }

    /** The merged (and reordered) weight quantized to Q8_0, made when its values are written and dropped after its scales. */
    private static List<StreamedTensor> quantizedProjection(String name, Linear linear, int[] rowOrder) {
        Matrix w = linear.weight();
        if (w.dtype == DType.Q8_0) return projection(name, linear, rowOrder);
        Matrix[] made = new Matrix[1];
        return quantizedTensors(name, w, () -> {
            if (made[0] == null) {
                try (Arena arena = Arena.ofShared()) { // merged() fills it from parallel tasks
                    Matrix merged = new Matrix(name, w.dtype, w.rows, w.cols, merged(w, linear.lora(), rowOrder, arena));
                    made[0] = merged.quantized();
                }
            }
            return made[0];
        }, () -> made[0] = null);
    }

    /** The two safetensors tensors of a Q8_0 matrix: int8 values {@code name} and f16 scales {@code name_scale}. */
    private static List<StreamedTensor> quantizedTensors(String name, Matrix shape, java.util.function.Supplier<Matrix> matrix,
                                                         Runnable written) {
        long blocks = shape.cols / DType.Q8_BLOCK;
        return List.of(
                new StreamedTensor(name, "I8", new long[] {shape.rows, shape.cols}, (long) shape.rows * shape.cols,
                        arena -> matrix.get().data),
                new StreamedTensor(name + DType.Q8_SCALE_SUFFIX, "F16", new long[] {shape.rows, blocks}, shape.rows * blocks * 2,
                        arena -> {
                            MemorySegment scales = matrix.get().scales;
                            written.run();
                            return scales;
                        }));
    }

    /**
     * {@code W + scale · B · A} (just W without a LoRA) in float, stored in W's dtype, its row i taken from row
     * {@code rowOrder[i]} (row i when null). Shapes: W [out, in], A [r, in], B [out, r]; rows go in parallel blocks.
     */
    private static MemorySegment merged(Matrix w, Lora lora, int[] rowOrder, Arena arena) {
        MemorySegment out = arena.allocate(w.data.byteSize(), 64);
        int rank = lora == null ? 0 : lora.rank();
        float[] a = lora == null ? null : lora.a().toFloats();
        float[] b = lora == null ? null : lora.b().toFloats();
        int cols = w.cols;
        IntStream.range(0, (w.rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK).parallel().forEach(block -> {
            float[] row = new float[cols];
            for (int i = block * ROWS_PER_TASK; i < Math.min(w.rows, (block + 1) * ROWS_PER_TASK); i++) {
                int source = rowOrder == null ? i : rowOrder[i];
                w.row(source, row, 0);
                for (int k = 0; k < rank; k++) {
                    float coefficient = lora.scale() * b[source * rank + k];
                    int aRow = k * cols;
                    for (int j = 0; j < cols; j++) row[j] += coefficient * a[aRow + j];
                }
                store(row, w.dtype, out, (long) i * cols);
            }
        });
        return out;
    }

    private static void store(float[] row, DType dtype, MemorySegment out, long index) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(row, 0, out, F32, index * Float.BYTES, row.length);
            case BF16 -> {
                for (int j = 0; j < row.length; j++) out.setAtIndex(I16, index + j, DType.floatToBf16(row[j]));
            }
            case F16 -> {
                for (int j = 0; j < row.length; j++) out.setAtIndex(I16, index + j, Float.floatToFloat16(row[j]));
            }
        }
    }

    /** A 1-D tensor in the model's dtype when that holds every value exactly, else in F32. */
    private static StreamedTensor vector(String name, float[] values, DType modelDtype) {
        DType dtype = holdsExactly(modelDtype, values) ? modelDtype : DType.F32;
        return new StreamedTensor(name, dtype.name(), new long[] {values.length}, (long) values.length * dtype.bytes,
                arena -> Matrix.of(name, dtype, 1, values.length, values).data);
    }

    private static boolean holdsExactly(DType dtype, float[] values) {
        for (float v : values) {
            float back = switch (dtype) {
                case F32 -> v;
                case BF16 -> DType.bf16ToFloat(DType.floatToBf16(v));
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
                case Q8_0 -> Float.NaN; // vectors are never quantized: F32 instead
            };
            if (Float.compare(back, v) != 0) return false;
        }
        return true;
    }

    /**
     * Where each row of a q or k projection in Hugging Face's layout comes from in the interleaved (Meta, llama2.c)
     * layout: RoPE pair j of a head is rows (2j, 2j + 1) there and rows (j, j + headDim/2) in rotate_half form, so
     * row {@code h·d + s·d/2 + j} is row {@code h·d + 2j + s}, as transformers' {@code convert_llama_weights_to_hf.py}
     * permutes Meta checkpoints.
     */
    static int[] rotateHalfRowOrder(int rows, int headDim) {
        int half = headDim / 2;
        int[] order = new int[rows];
        for (int head = 0; head < rows / headDim; head++) {
            for (int s = 0; s < 2; s++) {
                for (int j = 0; j < half; j++) order[head * headDim + s * half + j] = head * headDim + 2 * j + s;
            }
        }
        return order;
    }

    private static float[] reordered(float[] values, int[] order) {
        if (order == null) return values;
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) out[i] = values[order[i]];
        return out;
    }

    // ---------------------------------------------------------------- shards

    /** Consecutive groups of tensors of at most {@code maxBytes} each; a tensor larger than that is a group alone. */
    private static List<List<StreamedTensor>> shards(List<StreamedTensor> tensors, long maxBytes) {
        List<List<StreamedTensor>> shards = new ArrayList<>();
        List<StreamedTensor> current = null;
        long bytes = 0;
        for (StreamedTensor t : tensors) {
            if (current == null || (bytes + t.byteSize() > maxBytes && !current.isEmpty())) {
                current = new ArrayList<>();
                shards.add(current);
                bytes = 0;
            }
            current.add(t);
            bytes += t.byteSize();
        }
        return shards;
    }

    /** Writes the shard files (and the index when there are several) into {@code dir}; returns the tensor bytes. */
    private static long writeShards(Path dir, List<List<StreamedTensor>> shards, int total, Progress progress,
                                    Map<String, String> metadata) throws IOException {
        int[] done = {0};
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalBytes = 0;
        for (int s = 0; s < shards.size(); s++) {
            String file = shards.size() == 1 ? HfCheckpoint.WEIGHTS_FILE
                    : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            List<StreamedTensor> reporting = new ArrayList<>();
            for (StreamedTensor t : shards.get(s)) {
                weightMap.put(t.name(), file);
                totalBytes += t.byteSize();
                reporting.add(new StreamedTensor(t.name(), t.dtype(), t.shape(), t.byteSize(), arena -> {
                    MemorySegment bytes = t.bytes().apply(arena);
                    progress.tensorsDone(++done[0], total);
                    return bytes;
                }));
            }
            // transformers refuses safetensors files whose metadata lacks the format
            SafetensorsFile.writeStreaming(dir.resolve(file), reporting, metadata);
        }
        if (shards.size() > 1) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", totalBytes);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Files.write(dir.resolve(HfCheckpoint.INDEX_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        }
        return totalBytes;
    }
}
