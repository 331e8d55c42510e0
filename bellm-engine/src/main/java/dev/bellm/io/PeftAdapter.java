package dev.bellm.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.Lora;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT LoRA adapter directory: {@code adapter_config.json} and {@code adapter_model.safetensors} with keys
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} (A [r, in]) and {@code ...lora_B.weight}
 * (B [out, r]); some PEFT versions write the adapter name as an extra {@code .default} segment before
 * {@code .weight}. A and B are converted to F32 on load. {@link #save} writes the same layout, so adapters
 * trained here load in PEFT and back.
 */
public final class PeftAdapter {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String KEY_PREFIX = "base_model.model.";
    /** PEFT's key of a LoRA matrix; LLM2Vec saves its adapters from the bare decoder, without the {@code model.} after the prefix. */
    private static final Pattern KEY = Pattern.compile(
            Pattern.quote(KEY_PREFIX) + "(?:model\\.)?(layers\\.(\\d{1,9})\\.(\\w+)\\.(\\w+))\\.lora_([AB])(?:\\.default)?\\.weight");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path weightsFile;
    private final int rank;
    private final double alpha;
    private final boolean rsLora;
    /** Module names ({@code model.layers.N.self_attn.q_proj}) that target_modules and layers_to_transform select. */
    private final Predicate<String> targets;
    /** Adapted module name to its A, B and scale, in key order. */
    private final Map<String, Lora> loras;

    private PeftAdapter(Path weightsFile, int rank, double alpha, boolean rsLora, Predicate<String> targets, Map<String, Lora> loras) {
        this.weightsFile = weightsFile;
        this.rank = rank;
        this.alpha = alpha;
        this.rsLora = rsLora;
        this.targets = targets;
        this.loras = loras;
    }

    public static PeftAdapter load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, "no such directory; a PEFT adapter is a directory holding " + CONFIG_FILE
                    + " and " + WEIGHTS_FILE);
        }
        ConfigFile cfg = ConfigFile.read(dir.resolve(CONFIG_FILE));
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile) && Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            throw ModelLoader.pickledRefusal(dir.resolve("adapter_model.bin"));
        }
        return load(cfg, () -> SafetensorsFile.open(weightsFile));
    }

    /** The adapter that config {@code cfg} describes, its weights opened (only once the config is valid) by {@code weights}. */
    static PeftAdapter load(ConfigFile cfg, java.util.function.Supplier<SafetensorsFile> weights) {
        String peftType = cfg.requireString("peft_type");
        if (!peftType.equals("LORA")) {
            throw cfg.error("peft_type", "is '" + peftType + "'; bellm applies LORA adapters only");
        }
        int rank = cfg.requirePositiveInt("r");
        double alpha = cfg.requirePositiveNumber("lora_alpha");
        boolean rsLora = cfg.booleanOr("use_rslora", false);
        float scale;
        try {
            scale = Lora.scale(rank, alpha, rsLora);
        } catch (IllegalArgumentException e) {
            throw cfg.error(rank > Lora.MAX_RANK ? "r" : "lora_alpha", "is invalid: " + e.getMessage());
        }
        if (cfg.booleanOr("fan_in_fan_out", false)) {
            throw cfg.error("fan_in_fan_out", "is true (Conv1D-style transposed weights); bellm needs it false, as for"
                    + " LLaMA/Mistral/Qwen linear layers");
        }
        String bias = cfg.stringOr("bias", "none");
        if (!bias.equals("none")) {
            throw cfg.error("bias", "is '" + bias + "'; bellm supports adapters without trained biases (\"none\") only");
        }
        if (cfg.booleanOr("use_dora", false)) {
            throw cfg.error("use_dora", "is true; bellm does not support DoRA adapters");
        }
        for (String field : List.of("rank_pattern", "alpha_pattern", "modules_to_save")) {
            JsonNode node = cfg.get(field);
            if (node != null && !(node.isContainerNode() && node.isEmpty())) {
                throw cfg.error(field, "is " + node + "; bellm supports one rank and alpha for all targets and no extra saved modules");
            }
        }
        Predicate<String> targets = targetModules(cfg).and(layersToTransform(cfg));

        SafetensorsFile file = weights.get();
        Map<String, Lora> loras = readLoras(file, rank, scale, targets, cfg.path());
        return new PeftAdapter(file.path(), rank, alpha, rsLora, targets, loras);
    }

    /** PEFT's target_modules: a list of module-name suffixes, "all-linear", or one regex matched against the whole name. */
    private static Predicate<String> targetModules(ConfigFile cfg) {
        JsonNode node = cfg.get("target_modules");
        if (node == null) throw cfg.error("target_modules", "is missing");
        if (node.isTextual()) {
            if (node.asText().equals("all-linear")) return module -> true;
            Pattern regex;
            try {
                regex = Pattern.compile(node.asText());
            } catch (PatternSyntaxException e) {
                throw cfg.error("target_modules", "is not a valid regular expression: " + e.getDescription());
            }
            return module -> {
                try {
                    return regex.matcher(new BoundedText(module)).matches();
                } catch (BoundedText.BudgetExceeded e) {
                    throw cfg.error("target_modules", "is a regular expression that backtracks too much to match '" + module
                            + "'; write a simpler one or list the modules");
                }
            };
        }
        if (!node.isArray()) throw cfg.error("target_modules", "must be a list of module names or a regex string, got " + node);
        List<String> names = new ArrayList<>();
        for (JsonNode name : node) {
            if (!name.isTextual()) throw cfg.error("target_modules", "must hold strings, got " + name);
            names.add(name.asText());
        }
        return module -> names.stream().anyMatch(n -> module.equals(n) || module.endsWith("." + n));
    }

    /** PEFT's layers_to_transform: one layer index or a list of them; absent means every layer. */
    private static Predicate<String> layersToTransform(ConfigFile cfg) {
        JsonNode node = cfg.get("layers_to_transform");
        if (node == null) return module -> true;
        Set<Integer> layers = new TreeSet<>();
        if (node.isArray()) {
            for (JsonNode layer : node) layers.add(cfg.asInt("layers_to_transform", layer));
        } else {
            layers.add(cfg.asInt("layers_to_transform", node));
        }
        return module -> layers.contains(layerOf(module));
    }

    private static int layerOf(String module) {
        return Integer.parseInt(module.split("\\.")[2]);
    }

    private static Map<String, Lora> readLoras(SafetensorsFile file, int rank, float scale, Predicate<String> targets, Path config) {
        Map<String, Matrix> as = new HashMap<>();
        Map<String, Matrix> bs = new HashMap<>();
        for (String key : file.names()) {
            Matcher m = KEY.matcher(key);
            String projection = m.matches() ? m.group(4) : null;
            if (projection == null || !LayerWeights.PROJECTIONS.contains(projection) || !m.group(3).equals(section(projection))) {
                throw new CheckpointException(file.path(), "unexpected key '" + key + "'; bellm reads LoRA A/B weights of "
                        + LayerWeights.PROJECTIONS + " named like " + key(0, "q_proj", "A"));
            }
            String module = "model." + m.group(1);
            if (!targets.test(module)) {
                throw new CheckpointException(file.path(), "key '" + key + "' adapts " + module + ", which the target_modules"
                        + " / layers_to_transform of " + config.getFileName() + " do not select");
            }
            boolean isA = m.group(5).equals("A");
            String canonical = key(Integer.parseInt(m.group(2)), projection, m.group(5));
            SafetensorsFile.Entry entry = file.entry(key);
            long[] shape = entry.shape();
            boolean fits = shape.length == 2 && shape[0] > 0 && shape[1] > 0 && shape[0] <= Integer.MAX_VALUE
                    && shape[1] <= Integer.MAX_VALUE && (isA ? shape[0] == rank : shape[1] == rank);
            if (!fits) {
                throw new CheckpointException(file.path(), "tensor '" + key + "' has shape " + Arrays.toString(shape)
                        + ", expected " + (isA ? "[" + rank + ", in]" : "[out, " + rank + "]") + " for r = " + rank);
            }
            Matrix matrix = Matrix.of(canonical, DType.F32, (int) shape[0], (int) shape[1], file.floats(key));
            if ((isA ? as : bs).put(module, matrix) != null) {
                throw new CheckpointException(file.path(), "two tensors hold " + canonical + " (with and without the adapter name)");
            }
        }
        Map<String, Lora> loras = new TreeMap<>();
        Set<String> modules = new TreeSet<>(as.keySet());
        modules.addAll(bs.keySet());
        for (String module : modules) {
            Matrix a = as.get(module);
            Matrix b = bs.get(module);
            if (a == null || b == null) {
                throw new CheckpointException(file.path(), "missing tensor '" + KEY_PREFIX + module + ".lora_" + (a == null ? "A" : "B")
                        + ".weight' (its partner is present)");
            }
            loras.put(module, new Lora(a, b, scale));
        }
        if (loras.isEmpty()) {
            throw new CheckpointException(file.path(), "holds no LoRA weights");
        }
        return loras;
    }

    /** {@code self_attn} for the attention projections, {@code mlp} for the others. */
    private static String section(String projection) {
        return LayerWeights.PROJECTIONS.indexOf(projection) < 4 ? "self_attn" : "mlp";
    }

    /** The module name as in Hugging Face checkpoints: {@code model.layers.3.mlp.up_proj}. */
    public static String moduleName(int layer, String projection) {
        return "model.layers." + layer + "." + section(projection) + "." + projection;
    }

    /** The PEFT key of LoRA matrix {@code A} or {@code B} of one projection. */
    public static String key(int layer, String projection, String aOrB) {
        return KEY_PREFIX + moduleName(layer, projection) + ".lora_" + aOrB + ".weight";
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public boolean rsLora() {
        return rsLora;
    }

    /** Adapted module name ({@code model.layers.N.self_attn.q_proj}) to its LoRA, in name order. */
    public Map<String, Lora> loras() {
        return Collections.unmodifiableMap(loras);
    }

    /**
     * {@code base} with this adapter's LoRA attached to every module it adapts; where {@code base} already carries a
     * LoRA (an adapter applied before), the two deltas add. Every module the config targets must have weights, and
     * every weight must fit its base projection.
     */
    public ModelWeights apply(ModelWeights base) {
        Set<String> unused = new TreeSet<>(loras.keySet());
        List<LayerWeights> layers = new ArrayList<>(base.layers().size());
        for (int l = 0; l < base.layers().size(); l++) {
            int layer = l;
            layers.add(base.layers().get(l).mapProjections((projection, linear) -> {
                String module = moduleName(layer, projection);
                Lora lora = loras.get(module);
                if (lora == null) {
                    if (targets.test(module)) {
                        throw new CheckpointException(weightsFile, "missing tensor '" + key(layer, projection, "A")
                                + "': the adapter config targets " + module);
                    }
                    return linear;
                }
                unused.remove(module);
                return attach(linear, lora, layer, projection);
            }));
        }
        if (!unused.isEmpty()) {
            throw new CheckpointException(weightsFile, "adapts " + unused + ", which the base model with "
                    + base.layers().size() + " layers does not have");
        }
        return base.withLayers(layers);
    }

    private Linear attach(Linear linear, Lora lora, int layer, String projection) {
        if (lora.a().cols != linear.in()) {
            throw new CheckpointException(weightsFile, "tensor '" + key(layer, projection, "A") + "' has shape [" + lora.a().rows
                    + ", " + lora.a().cols + "] but the base " + linear.weight()
                    + " takes " + linear.in() + " inputs (an adapter for another base model?)");
        }
        if (lora.b().rows != linear.out()) {
            throw new CheckpointException(weightsFile, "tensor '" + key(layer, projection, "B") + "' has shape [" + lora.b().rows
                    + ", " + lora.b().cols + "] but the base " + linear.weight()
                    + " has " + linear.out() + " outputs (an adapter for another base model?)");
        }
        // a second adapter adds its delta to the first one's: W + s₁B₁A₁ + s₂B₂A₂
        return linear.withLora(linear.lora() == null ? lora : linear.lora().stack(lora));
    }

    /**
     * Writes the LoRA of {@code withLora} as a PEFT adapter: {@code adapter_model.safetensors} (A and B in their
     * dtype, PEFT key names) and {@code adapter_config.json}, each written to a temporary file and renamed into
     * place. Every adapted layer must adapt the same projections with the same rank, and every scale must be
     * {@code loraAlpha / r} ({@code loraAlpha / sqrt(r)} with rsLoRA), since PEFT stores one r and one alpha.
     */
    public static void save(Path dir, ModelWeights withLora, String baseModelName, double loraAlpha, boolean useRsLora)
            throws IOException {
        List<SafetensorsFile.Tensor> tensors = new ArrayList<>();
        Set<String> projections = null;
        List<Integer> adaptedLayers = new ArrayList<>();
        int rank = -1;
        for (int l = 0; l < withLora.layers().size(); l++) {
            Set<String> here = new LinkedHashSet<>();
            for (String projection : LayerWeights.PROJECTIONS) {
                Lora lora = withLora.layers().get(l).projection(projection).lora();
                if (lora == null) continue;
                if (rank == -1) rank = lora.rank();
                checkLora(lora, rank, loraAlpha, useRsLora, moduleName(l, projection));
                here.add(projection);
                tensors.add(tensor(key(l, projection, "A"), lora.a()));
                tensors.add(tensor(key(l, projection, "B"), lora.b()));
            }
            if (here.isEmpty()) continue;
            if (projections != null && !projections.equals(here)) {
                throw new IllegalArgumentException("layer " + l + " adapts " + here + " but an earlier layer adapts " + projections
                        + "; a PEFT adapter config has one target_modules list for all layers");
            }
            projections = here;
            adaptedLayers.add(l);
        }
        if (projections == null) {
            throw new IllegalArgumentException("the model has no LoRA to save");
        }

        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", "LORA");
        config.put("task_type", "FEATURE_EXTRACTION");
        config.put("base_model_name_or_path", baseModelName);
        config.put("r", rank);
        if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) <= Integer.MAX_VALUE) {
            config.put("lora_alpha", (int) loraAlpha); // PEFT declares lora_alpha an int; keep it one when it is
        } else {
            config.put("lora_alpha", loraAlpha);
        }
        config.put("lora_dropout", 0.0);
        config.put("bias", "none");
        config.put("use_rslora", useRsLora);
        config.put("fan_in_fan_out", false);
        ArrayNode targetModules = config.putArray("target_modules");
        projections.forEach(targetModules::add);
        if (adaptedLayers.size() == withLora.layers().size()) {
            config.putNull("layers_to_transform");
        } else {
            ArrayNode layers = config.putArray("layers_to_transform");
            adaptedLayers.forEach(layers::add);
        }
        config.put("inference_mode", true);

        Files.createDirectories(dir);
        SafetensorsFile.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        AtomicFiles.write(dir.resolve(CONFIG_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    }

    private static void checkLora(Lora lora, int rank, double loraAlpha, boolean useRsLora, String module) {
        if (lora.rank() != rank) {
            throw new IllegalArgumentException(module + " has LoRA rank " + lora.rank() + " but another module has " + rank
                    + "; a PEFT adapter config has one r");
        }
        double expected = useRsLora ? loraAlpha / Math.sqrt(rank) : loraAlpha / rank;
        if (Math.abs(lora.scale() - expected) > 1e-6 * Math.abs(expected)) {
            throw new IllegalArgumentException(module + " has LoRA scale " + lora.scale() + " but lora_alpha " + loraAlpha + " and r "
                    + rank + (useRsLora ? " with rsLoRA" : "") + " give " + expected);
        }
    }

    private static SafetensorsFile.Tensor tensor(String key, Matrix m) {
        return new SafetensorsFile.Tensor(key, m.dtype.name(), new long[] {m.rows, m.cols}, m.data);
    }
}
