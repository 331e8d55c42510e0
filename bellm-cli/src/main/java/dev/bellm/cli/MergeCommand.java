package dev.bellm.cli;

import dev.bellm.embed.EncoderWriter;
import dev.bellm.io.MergedModelWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge LoRA adapters (one, or several stacked in order) into their base model and write a Hugging Face model",
                "directory: config.json, model.safetensors (or shards listed in",
                "model.safetensors.index.json) and the tokenizer. Each adapted projection",
                "becomes W + scale*B*A in the base dtype (a BF16 model stays BF16).",
                "A llama2.c base becomes a llama model (q/k rows reordered for Hugging",
                "Face's RoPE layout) that carries its tok*.bin. The output carries the encoder recipe",
                "of the model and adapter folders (sentence-transformers files, bellm_encoder.json)."},
        footer = {"", "Examples:",
                "  ./bellm merge --model ../shared/fixtures/tiny-llama \\",
                "      --adapter ../shared/fixtures/tiny-llama-lora \\",
                "      --output runs/tiny-llama-merged",
                "  ./bellm embed --model runs/tiny-llama-merged --input texts.txt --output -   # the adapter's recipe came along",
                "  ./bellm merge --model ../shared/models/stories260K/stories260K.bin \\",
                "      --adapter runs/stories-bellm/adapter --output runs/stories-hf",
                "  ./bellm merge --model BASE --adapter MNTP --adapter SUPERVISED --output DIR   # LLM2Vec's two, stacked"})
final class MergeCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(?:([KMGT])(I?B)?|(B))?");

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Base model: Hugging Face directory (config.json + safetensors) or llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer to carry (tokenizer.json, its directory, or a llama2.c .bin). Default: the model's own.")
    Path tokenizer;

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "PEFT LoRA adapter directory (bellm train writes one); repeat to stack adapters (their deltas add), in order.")
    List<Path> adapters;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Directory to create. Written beside it first and renamed into place when complete.")
    Path output;

    @Option(names = "--force", description = {"Replace OUTPUT when it holds a model (config.json and safetensors weights, as",
            "bellm merge writes); any other non-empty directory is refused. Says what it removes."})
    boolean force;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "4G", converter = ByteSizeConverter.class,
            description = {"Most tensor bytes per safetensors file; more go into numbered shards. Default: ${DEFAULT-VALUE}.",
                    "K, M, G, T (or KiB, MiB, ...) count in powers of 1024; KB, MB, GB, TB in powers of 1000."})
    long maxShardSize;

    @Override
    public Integer call() throws Exception {
        MergedModelWriter.Result result;
        try (Progress.Lazy bar = Progress.lazy("merge")) {
            try {
                result = EncoderWriter.merge(model, tokenizer, adapters, output, new MergedModelWriter.Options(maxShardSize, force),
                        bar::update, EmbeddingOptions::warn);
            } catch (MergedModelWriter.OutputNotEmptyException e) {
                throw new IllegalArgumentException(e.getMessage() + " (--force)", e);
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s (%s + %s): %d tensors, %.1f MB in %d safetensors file%s%nfiles: %s%n",
                result.directory(), model, adapters.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(" + ")), result.tensors(), result.tensorBytes() / 1e6, result.shards(),
                result.shards() == 1 ? "" : "s", String.join(", ", result.files()));
        if (!result.replaced().isEmpty()) {
            System.out.println("replaced the model that was in " + result.directory() + ", removing: " + String.join(", ", result.replaced()));
        }
        return 0;
    }

    /** Bytes of a size such as {@code 4G}, {@code 500MiB}, {@code 5GB} or {@code 1000000}. */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 4G, 500M, 2GiB, 5GB or a number of bytes");
        }
        int power = m.group(2) == null ? 0 : "KMGT".indexOf(m.group(2)) + 1;
        long unit = 1;
        for (int i = 0; i < power; i++) unit *= "B".equals(m.group(3)) ? 1000 : 1024;
        long bytes;
        try {
            bytes = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is more bytes than bellm can count");
        }
        if (bytes <= 0) throw new IllegalArgumentException("'" + text + "' is not a positive size");
        return bytes;
    }

    static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
