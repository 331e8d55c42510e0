package dev.bellm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bellm.io.CheckpointException;
import dev.bellm.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence-transformers {@code Dense} module after pooling: {@code y = f(x·Wᵀ + b)} with W [out, in] and f the
 * identity or tanh. Its folder ({@code 2_Dense/}) holds {@code config.json} ({@code in_features},
 * {@code out_features}, {@code bias}, {@code activation_function}) and {@code model.safetensors}
 * ({@code linear.weight}, {@code linear.bias}).
 *
 * @param weight [out, in] row-major
 * @param bias   [out], or null
 */
public record Dense(int in, int out, float[] weight, float[] bias, Activation activation) {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    /** The activations sentence-transformers writes by class name. */
    public enum Activation {
        IDENTITY("torch.nn.modules.linear.Identity"), TANH("torch.nn.modules.activation.Tanh");

        public final String className;

        Activation(String className) {
            this.className = className;
        }
    }

    public Dense {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Dense shape [" + out + ", " + in + "] must be positive");
        if (weight.length != in * out) throw new IllegalArgumentException("Dense weight has " + weight.length + " values for [" + out + ", " + in + "]");
        if (bias != null && bias.length != out) throw new IllegalArgumentException("Dense bias has " + bias.length + " values for " + out + " outputs");
    }

    /** Forward of one vector [in] → [out], summed in double. */
    public float[] forward(float[] x) {
        if (x.length != in) throw new IllegalArgumentException("Dense takes " + in + " features, got " + x.length);
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int i = 0; i < in; i++) s += (double) weight[o * in + i] * x[i];
            y[o] = (float) (activation == Activation.TANH ? Math.tanh(s) : s);
        }
        return y;
    }

    public static Dense load(Path dir) {
        JsonFile cfg = JsonFile.read(dir.resolve(CONFIG_FILE));
        Integer in = cfg.positiveInt("in_features"), out = cfg.positiveInt("out_features");
        if (in == null) throw cfg.error("in_features", "is missing");
        if (out == null) throw cfg.error("out_features", "is missing");
        Boolean hasBias = cfg.bool("bias");
        String activationName = cfg.string("activation_function");
        Activation activation = activationName == null ? Activation.TANH : null; // sentence-transformers' default is Tanh
        for (Activation a : Activation.values()) if (a.className.equals(activationName)) activation = a;
        if (activation == null) {
            throw cfg.error("activation_function", "is '" + activationName + "'; bellm computes " + Arrays.stream(Activation.values())
                    .map(a -> a.className).toList());
        }
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new CheckpointException(weightsFile, "missing; a Dense module needs its weights in safetensors (linear.weight"
                    + (Boolean.FALSE.equals(hasBias) ? "" : ", linear.bias") + ")");
        }
        SafetensorsFile file = SafetensorsFile.open(weightsFile);
        float[] weight = file.matrix("linear.weight", out, in).toFloats();
        float[] bias = null;
        if (hasBias == null ? file.contains("linear.bias") : hasBias) bias = file.vector("linear.bias", out);
        for (String name : file.names()) {
            if (!name.equals("linear.weight") && !(bias != null && name.equals("linear.bias"))) {
                throw new CheckpointException(weightsFile, "unexpected tensor '" + name + "' for a Dense module with bias " + (bias != null));
            }
        }
        return new Dense(in, out, weight, bias, activation);
    }

    public void save(Path dir) throws IOException {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("in_features", in);
        cfg.put("out_features", out);
        cfg.put("bias", bias != null);
        cfg.put("activation_function", activation.className);
        Files.createDirectories(dir);
        List<SafetensorsFile.Tensor> tensors = new ArrayList<>();
        tensors.add(SafetensorsFile.Tensor.of("linear.weight", weight, out, in));
        if (bias != null) tensors.add(SafetensorsFile.Tensor.of("linear.bias", bias, out));
        SafetensorsFile.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        JsonFile.write(dir.resolve(CONFIG_FILE), cfg);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dense d && d.in == in && d.out == out && Arrays.equals(d.weight, weight) && Arrays.equals(d.bias, bias)
                && d.activation == activation;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(weight);
    }

    @Override
    public String toString() {
        return "Dense(" + in + " -> " + out + (bias != null ? ", bias" : "") + ", " + activation.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
