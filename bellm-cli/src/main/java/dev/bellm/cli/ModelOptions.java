package dev.bellm.cli;

import dev.bellm.io.ModelLoader;
import dev.bellm.kernels.KernelProvider;
import dev.bellm.kernels.Kernels;
import dev.bellm.model.ModelWeights;
import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which model to load and on how many threads: shared by every command that runs one. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face model directory (config.json + safetensors) or llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer; default: the tok*.bin beside the model.")
    Path tokenizer;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads. Default: all cores.")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "auto|java|onednn",
            description = "GEMM provider: java (pure Java, bit-exact batch invariance), onednn (native bf16/f32 GEMM), "
                    + "or auto (onednn where the CPU has bf16 dot products, else java). Default: java, or -Dbellm.kernels.")
    String kernels;

    ModelWeights load() {
        return ModelLoader.load(model);
    }

    Tokenizer loadTokenizer() {
        return Tokenizers.forModel(model, tokenizer);
    }

    Kernels kernels() {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        return kernels == null ? KernelProvider.select(n) : KernelProvider.select(kernels, n);
    }
}
