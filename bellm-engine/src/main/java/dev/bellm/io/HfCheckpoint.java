package dev.bellm.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import dev.bellm.model.RopeScaling;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face decoder checkpoint directory: {@code config.json} plus {@code model.safetensors} or
 * shards listed in {@code model.safetensors.index.json}. Weights stay memory-mapped in their stored dtype;
 * only 1-D norms and biases are copied to float arrays. Every tensor is checked against the config, and a
 * tensor the model does not use is an error rather than silently ignored (it usually means the config
 * does not describe these weights).
 */
public final class HfCheckpoint {
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("llama", "mistral", "qwen2", "qwen3");
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Non-persistent RoPE buffers that older transformers versions saved; recomputed, never read. */
    private static final Pattern ROTARY_BUFFER = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

    private HfCheckpoint() {}

    /** Reads and validates {@code dir/config.json}. */
    public static ModelConfig readConfig(Path dir) {
        ConfigFile cfg = ConfigFile.read(configFile(dir));
        String type = modelType(cfg);
        String activation = cfg.stringOr("hidden_act", "silu");
        if (!activation.equals("silu") && !activation.equals("swish")) {
            throw cfg.error("hidden_act", "is '" + activation + "'; bellm computes SiLU-gated MLPs only (silu)");
        }
        int hidden = cfg.requirePositiveInt("hidden_size");
        int heads = cfg.requirePositiveInt("num_attention_heads");
        if (!cfg.has("head_dim") && hidden % heads != 0) {
            throw cfg.error("hidden_size", "(" + hidden + ") is not a multiple of num_attention_heads (" + heads
                    + ") and there is no head_dim");
        }
        int headDim = cfg.positiveIntOr("head_dim", hidden / heads);
        // transformers 5 moves rope_theta and the scaling type into rope_parameters; older configs use rope_scaling
        ConfigFile rope = cfg.has("rope_parameters") ? cfg.object("rope_parameters") : cfg.object("rope_scaling");
        double ropeTheta = cfg.positiveNumberOr("rope_theta", rope == null ? 10000.0 : rope.positiveNumberOr("rope_theta", 10000.0));
        // Qwen2 always has q/k/v biases; Mistral never has any; Llama and Qwen3 follow attention_bias
        boolean attentionBias = switch (type) {
            case "qwen2" -> true;
            case "mistral" -> false;
            default -> cfg.booleanOr("attention_bias", false);
        };
        try {
            return new ModelConfig(type, hidden, cfg.requirePositiveInt("intermediate_size"),
                    cfg.requirePositiveInt("num_hidden_layers"), heads, cfg.positiveIntOr("num_key_value_heads", heads), headDim,
                    cfg.requirePositiveInt("vocab_size"), cfg.positiveIntOr("max_position_embeddings", defaultMaxPositions(type)),
                    ropeTheta, ropeScaling(rope), false, cfg.positiveNumberOr("rms_norm_eps", 1e-6), attentionBias,
                    type.equals("qwen3"), cfg.booleanOr("tie_word_embeddings", false), tokenId(cfg, "bos_token_id"),
                    tokenId(cfg, "eos_token_id"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(cfg.path(), e.getMessage(), e);
        }
    }

    /** Reads the config and every weight of {@code dir}. */
    public static ModelWeights load(Path dir) {
        ModelConfig config = readConfig(dir);
        Tensors tensors = Tensors.open(dir);
        int hidden = config.hiddenSize();
        int ffn = config.intermediateSize();
        boolean outputBias = config.attentionBias() && !config.architecture().equals("qwen2");
        List<LayerWeights> layers = new ArrayList<>(config.numLayers());
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LayerWeights(
                    tensors.vector(p + "input_layernorm.weight", hidden),
                    tensors.linear(p + "self_attn.q_proj", config.qDim(), hidden, config.attentionBias()),
                    tensors.linear(p + "self_attn.k_proj", config.kvDim(), hidden, config.attentionBias()),
                    tensors.linear(p + "self_attn.v_proj", config.kvDim(), hidden, config.attentionBias()),
                    tensors.linear(p + "self_attn.o_proj", hidden, config.qDim(), outputBias),
                    config.qkNorm() ? tensors.vector(p + "self_attn.q_norm.weight", config.headDim()) : null,
                    config.qkNorm() ? tensors.vector(p + "self_attn.k_norm.weight", config.headDim()) : null,
                    tensors.vector(p + "post_attention_layernorm.weight", hidden),
                    tensors.linear(p + "mlp.gate_proj", ffn, hidden, false),
                    tensors.linear(p + "mlp.up_proj", ffn, hidden, false),
                    tensors.linear(p + "mlp.down_proj", hidden, ffn, false)));
        }
        Matrix embed = tensors.matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        float[] norm = tensors.vector("model.norm.weight", hidden);
        Matrix lmHead;
        if (config.tieWordEmbeddings()) {
            // Some exports also store the tied copy; transformers ties it to the embeddings regardless.
            if (tensors.contains("lm_head.weight")) tensors.matrix("lm_head.weight", config.vocabSize(), hidden);
            lmHead = embed;
        } else {
            lmHead = tensors.matrix("lm_head.weight", config.vocabSize(), hidden);
        }
        tensors.checkAllUsed(config.architecture());
        return new ModelWeights(config, embed, layers, norm, lmHead);
    }

    private static Path configFile(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, Files.exists(dir) ? "not a directory; a Hugging Face checkpoint is a directory"
                    + " holding config.json and the safetensors weights" : "no such directory");
        }
        Path config = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            throw new CheckpointException(config, "missing; a Hugging Face checkpoint directory needs config.json next to its"
                    + " weights (save it with save_pretrained)");
        }
        return config;
    }

    private static String modelType(ConfigFile cfg) {
        String type = cfg.stringOr("model_type", null);
        if (type != null && SUPPORTED_MODEL_TYPES.contains(type)) return type;
        JsonNode architectures = cfg.get("architectures");
        String hint = architectures == null ? "" : " (architectures " + architectures + ")";
        throw cfg.error("model_type", (type == null ? "is missing" : "is '" + type + "'") + hint + "; bellm loads "
                + String.join(", ", SUPPORTED_MODEL_TYPES) + " decoders");
    }

    /** transformers' defaults when a config omits max_position_embeddings. */
    private static int defaultMaxPositions(String type) {
        return switch (type) {
            case "llama" -> 2048;
            case "mistral" -> 131072;
            default -> 32768;
        };
    }

    private static RopeScaling ropeScaling(ConfigFile rope) {
        if (rope == null) return null;
        String type = rope.stringOr("rope_type", rope.stringOr("type", "default"));
        return switch (type) {
            case "default" -> null;
            case "llama3" -> {
                try {
                    yield new RopeScaling(rope.requirePositiveNumber("factor"), rope.requirePositiveNumber("low_freq_factor"),
                            rope.requirePositiveNumber("high_freq_factor"), rope.requirePositiveInt("original_max_position_embeddings"));
                } catch (IllegalArgumentException e) {
                    throw rope.error("rope_type", "llama3: " + e.getMessage());
                }
            }
            default -> throw rope.error("rope_type", "is '" + type + "'; bellm supports plain RoPE and llama3 scaling only");
        };
    }

    /** A special token id: an integer, the first of a list (Llama 3 lists several eos ids), or -1 when absent. */
    private static int tokenId(ConfigFile cfg, String field) {
        JsonNode node = cfg.get(field);
        if (node == null) return -1;
        if (node.isArray()) {
            if (node.isEmpty()) return -1;
            node = node.get(0);
        }
        return cfg.asInt(field, node);
    }

    /** Where each tensor of the checkpoint lives, and which ones the model has taken. */
    private static final class Tensors {
        /** The file named when a tensor is missing: model.safetensors, or the index for a sharded checkpoint. */
        private final Path source;
        private final Map<String, SafetensorsFile> owners;
        private final Set<String> taken = new HashSet<>();

        private Tensors(Path source, Map<String, SafetensorsFile> owners) {
            this.source = source;
            this.owners = owners;
        }

        static Tensors open(Path dir) {
            Path single = dir.resolve(WEIGHTS_FILE);
            Path index = dir.resolve(INDEX_FILE);
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            if (Files.isRegularFile(single)) {
                SafetensorsFile file = SafetensorsFile.open(single);
                for (String name : file.names()) owners.put(name, file);
                return new Tensors(single, owners);
            }
            if (Files.isRegularFile(index)) {
                return new Tensors(index, sharded(dir, index));
            }
            List<Path> pickled = pickledWeights(dir);
            if (!pickled.isEmpty()) {
                throw ModelLoader.pickledRefusal(pickled.getFirst());
            }
            throw new CheckpointException(dir, "no " + WEIGHTS_FILE + " or " + INDEX_FILE + " in this checkpoint directory");
        }

        /** Opens each shard named in the index's weight_map once and checks that the index and the shards agree. */
        private static Map<String, SafetensorsFile> sharded(Path dir, Path indexFile) {
            ConfigFile index = ConfigFile.read(indexFile);
            JsonNode weightMap = index.get("weight_map");
            if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
                throw index.error("weight_map", "must be a non-empty object mapping tensor names to shard files");
            }
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                String tensor = e.getKey();
                JsonNode shardName = e.getValue();
                if (!shardName.isTextual() || !isPlainFileName(shardName.asText())) {
                    throw index.error("weight_map", "maps '" + tensor + "' to " + shardName
                            + "; expected the file name of a shard in the same directory");
                }
                Path shardPath = dir.resolve(shardName.asText());
                if (!Files.isRegularFile(shardPath)) {
                    throw index.error("weight_map", "maps '" + tensor + "' to " + shardName + ", which does not exist");
                }
                SafetensorsFile shard = shards.computeIfAbsent(shardName.asText(), n -> SafetensorsFile.open(shardPath));
                if (!shard.contains(tensor)) {
                    throw new CheckpointException(shardPath, "missing tensor '" + tensor + "' that " + INDEX_FILE + " places here");
                }
                owners.put(tensor, shard);
            }
            for (SafetensorsFile shard : shards.values()) {
                for (String tensor : shard.names()) {
                    if (owners.get(tensor) != shard) {
                        throw new CheckpointException(shard.path(), "tensor '" + tensor + "' is not mapped to this shard by "
                                + INDEX_FILE + " (" + (owners.containsKey(tensor) ? "it names " + owners.get(tensor).path().getFileName()
                                : "it is not listed") + ")");
                    }
                }
            }
            return owners;
        }

        private static boolean isPlainFileName(String name) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) return false;
            Path p = Path.of(name);
            return p.getNameCount() == 1 && !p.isAbsolute();
        }

        private static List<Path> pickledWeights(Path dir) {
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(f -> {
                    String name = f.getFileName().toString();
                    return name.startsWith("pytorch_model") || name.endsWith(".pt") || name.endsWith(".pth");
                }).sorted().toList();
            } catch (IOException e) {
                throw new CheckpointException(dir, "cannot list the checkpoint directory: " + e.getMessage(), e);
            }
        }

        boolean contains(String name) {
            return owners.containsKey(name);
        }

        private SafetensorsFile owner(String name) {
            SafetensorsFile file = owners.get(name);
            if (file == null) {
                throw new CheckpointException(source, "missing tensor '" + name + "'");
            }
            taken.add(name);
            return file;
        }

        Matrix matrix(String name, int rows, int cols) {
            SafetensorsFile file = owner(name);
            String scales = name + DType.Q8_SCALE_SUFFIX;
            // a Q8_0 weight's scales may sit in another shard
            if (file.entry(name).dtype().equals("I8") && contains(scales)) return file.matrix(name, rows, cols, owner(scales));
            return file.matrix(name, rows, cols);
        }

        float[] vector(String name, int length) {
            return owner(name).vector(name, length);
        }

        Linear linear(String module, int out, int in, boolean hasBias) {
            Matrix weight = matrix(module + ".weight", out, in);
            return new Linear(weight, hasBias ? vector(module + ".bias", out) : null, null);
        }

        void checkAllUsed(String modelType) {
            Set<String> extra = new TreeSet<>();
            for (String name : owners.keySet()) {
                if (!taken.contains(name) && !ROTARY_BUFFER.matcher(name).matches()) {
                    extra.add(source.getFileName().toString().equals(INDEX_FILE)
                            ? name + " (in " + owners.get(name).path().getFileName() + ")" : name);
                }
            }
            if (!extra.isEmpty()) {
                throw new CheckpointException(source, "unexpected tensors " + extra + " that a " + modelType + " model with this"
                        + " config.json does not have; the config does not describe these weights (check model_type,"
                        + " attention_bias, tie_word_embeddings)");
            }
        }
    }
}
