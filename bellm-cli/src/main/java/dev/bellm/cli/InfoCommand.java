package dev.bellm.cli;

import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Architecture, size and shape of a model.",
        footer = {"", "Example:", "  ./bellm info --model ../shared/fixtures/tiny-qwen3"})
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face directory or llama2.c .bin.")
    Path model;

    @Option(names = "--kernels", paramLabel = "auto|java|onednn", description = "Which GEMM provider to report. Default: auto.")
    String kernels;

    @Override
    public Integer call() {
        ModelWeights w = ModelLoader.load(model);
        ModelConfig c = w.config();
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
        var k = KernelProvider.select(kernels == null ? System.getProperty(KernelProvider.PROPERTY, "auto") : kernels,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("kernels        %s%n", k.describe());
        if (k instanceof AutoCloseable pool) {
            try {
                pool.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return 0;
    }
}
