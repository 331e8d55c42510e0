package dev.bellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.EncoderSpec;
import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Architecture, size and shape of a model, and the encoder recipe its folder and adapters resolve to",
                "(what `bellm embed` runs with no other flag)."},
        footer = {"", "Examples:", "  ./bellm info --model ../shared/fixtures/tiny-qwen3",
                "  ./bellm info --model ../shared/fixtures/zoo/llm2vec --adapter ../shared/fixtures/zoo/llm2vec-mntp \\",
                "      --adapter ../shared/fixtures/zoo/llm2vec-supervised --json"})
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face directory or llama2.c .bin.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory; repeat to stack adapters.")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--kernels", paramLabel = "auto|java|onednn", description = "Which GEMM provider to report. Default: java.")
    String kernels;

    @Override
    public Integer call() throws Exception {
        ModelWeights w = ModelLoader.load(model);
        ModelConfig c = w.config();
        EncoderSpec spec = EncoderSpec.load(model, adapters, EmbeddingOptions::warn).check(c);
        Map<String, Object> recipe = spec.describe(c.numLayers());
        recipe.put("dimension", spec.outputDimension(c.hiddenSize()));
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("model", model.toString());
            all.put("architecture", c.architecture());
            all.put("parameters", w.parameterCount());
            all.put("dtype", w.dtype().toString());
            all.put("layers", c.numLayers());
            all.put("hidden_size", c.hiddenSize());
            all.put("intermediate_size", c.intermediateSize());
            all.put("heads", c.numHeads());
            all.put("kv_heads", c.numKvHeads());
            all.put("head_dim", c.headDim());
            all.put("vocab_size", c.vocabSize());
            all.put("max_position_embeddings", c.maxPositionEmbeddings());
            all.put("encoder", recipe);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(all));
            return 0;
        }
        System.out.printf("model          %s%n", model);
        System.out.printf("architecture   %s%n", c.architecture());
        System.out.printf("parameters     %,d%n", w.parameterCount());
        System.out.printf("dtype          %s (linear layers %s)%n", w.dtype(), w.layers().getFirst().qProj().weight().dtype);
        System.out.printf("layers         %d%n", c.numLayers());
        System.out.printf("hidden         %d (intermediate %d)%n", c.hiddenSize(), c.intermediateSize());
        System.out.printf("heads          %d query, %d key/value, head_dim %d%n", c.numHeads(), c.numKvHeads(), c.headDim());
        System.out.printf("vocabulary     %d%n", c.vocabSize());
        System.out.printf("max positions  %d%n", c.maxPositionEmbeddings());
        System.out.printf("rope           theta %s%s%s%n", c.ropeTheta(), c.ropeScaling() == null ? "" : ", llama3 scaling " + c.ropeScaling(),
                c.ropeInterleaved() ? ", interleaved pairs" : "");
        System.out.printf("extras         %s%s%s%n", c.attentionBias() ? "q/k/v bias " : "", c.qkNorm() ? "q/k norm " : "",
                c.tieWordEmbeddings() ? "tied embeddings" : "untied lm_head");
        var k = KernelProvider.select(kernels == null ? System.getProperty(KernelProvider.PROPERTY, "java") : kernels,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("kernels        %s%n", k.describe());
        if (k instanceof AutoCloseable pool) {
            try {
                pool.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        System.out.println();
        System.out.println("encoder recipe");
        for (Map.Entry<String, Object> e : recipe.entrySet()) {
            if (e.getKey().equals("model")) continue;
            System.out.printf("  %-20s %s%n", e.getKey(), e.getValue());
        }
        return 0;
    }
}
