package dev.bellm.cli;

import dev.bellm.embed.EncoderWriter;
import dev.bellm.io.MergedModelWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a model with its weight matrices in per-block-scaled int8",
                "(Q8_0: 32 weights share one f16 scale; 1.06 bytes a weight against BF16's 2).",
                "The embedding table and lm_head are quantized too; norms, biases and matrices",
                "whose rows are not whole blocks of 32 keep their dtype. The output is a Hugging Face directory (an I8 tensor and its",
                "F16 '_scale' tensor per weight) that every bellm command loads memory-mapped. It carries the encoder",
                "recipe of the model (and adapter), so an encoder folder quantizes into one that embeds the same way."},
        footer = {"", "Examples:",
                "  ./bellm quantize --model ../shared/fixtures/tiny-llama --output runs/tiny-llama-q8",
                "  ./bellm quantize --model ../shared/models/stories260K/stories260K.bin \\",
                "      --adapter runs/stories-bellm/adapter --output runs/stories-q8",
                "  ./bellm info --model runs/tiny-llama-q8"})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Model: Hugging Face directory (config.json + safetensors) or llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter to merge before quantizing; repeat to stack adapters, in order.")
    List<Path> adapters = new java.util.ArrayList<>();

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Directory to create. Written beside it first and renamed into place when complete.")
    Path output;

    @Option(names = "--force", description = "Replace OUTPUT when it is a non-empty model directory.")
    boolean force;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "4G", converter = MergeCommand.ByteSizeConverter.class,
            description = "Most tensor bytes per safetensors file. Default: ${DEFAULT-VALUE}.")
    long maxShardSize;

    @Override
    public Integer call() throws Exception {
        MergedModelWriter.Result result;
        try (Progress.Lazy bar = Progress.lazy("quantize")) {
            try {
                result = EncoderWriter.quantize(model, adapters, output, new MergedModelWriter.Options(maxShardSize, force), bar::update,
                        EmbeddingOptions::warn);
            } catch (MergedModelWriter.OutputNotEmptyException e) {
                throw new IllegalArgumentException(e.getMessage() + " (--force)", e);
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s (%s, Q8_0): %d tensors, %.1f MB in %d safetensors file%s%n",
                result.directory(), model, result.tensors(), result.tensorBytes() / 1e6, result.shards(), result.shards() == 1 ? "" : "s");
        return 0;
    }
}
