package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.stream.EmbeddingSink;
import dev.bellm.embed.stream.EmbeddingStream;
import dev.bellm.embed.stream.JsonLinesSink;
import dev.bellm.embed.stream.NpySink;
import dev.bellm.embed.stream.TextRecordReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed texts (lines or JSON Lines) as they arrive; write JSON Lines or .npy in input order.",
        footer = {"", "Each batch is written as soon as it is computed, so memory stays bounded by the batch size and",
                "`tail -f log | bellm embed ...` works. Output rows: {\"index\", \"line\", \"id\"?, \"tokens\", \"embedding\"}.",
                "A blank text stops the run at its line (the output keeps every text before it) unless --skip-empty.",
                "", "Examples:",
                "  ./bellm embed --model ../shared/fixtures/tiny-llama --bidirectional-from 2 --input texts.txt --output out.jsonl",
                "  ./bellm embed --model enc --input docs.jsonl --id-field doc_id --text-field body --output vectors.npy",
                "  tail -f questions.log | ./bellm embed --model stories260K.bin --bellm-prompt --encoding base64"})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Option(names = "--input", defaultValue = "-", paramLabel = "FILE|-", description = "Texts: one per line, or JSON Lines ('-': standard input). Default: -.")
    String input;

    @Option(names = "--output", defaultValue = "-", paramLabel = "FILE|-",
            description = "JSON Lines or .npy ('-': standard output). A file appears complete, renamed into place at the end. Default: -.")
    String output;

    @Option(names = "--input-format", defaultValue = "auto", paramLabel = "auto|text|jsonl",
            description = "auto: jsonl for *.jsonl/*.ndjson, else text. Default: ${DEFAULT-VALUE}.")
    String inputFormat;

    @Option(names = "--id-field", defaultValue = "id", paramLabel = "NAME", description = "JSON Lines: the id field, passed through ('' for none). Default: ${DEFAULT-VALUE}.")
    String idField;

    @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME", description = "JSON Lines: the text field. Default: ${DEFAULT-VALUE}.")
    String textField;

    @Option(names = "--output-format", defaultValue = "auto", paramLabel = "auto|jsonl|npy",
            description = "auto: npy for *.npy, else jsonl. npy is a float32 [texts, dimension] matrix (a file only). Default: ${DEFAULT-VALUE}.")
    String outputFormat;

    @Option(names = "--encoding", defaultValue = "float", paramLabel = "float|base64",
            description = "JSON Lines embeddings as float arrays or base64 little-endian float32. Default: ${DEFAULT-VALUE}.")
    String encoding;

    @Option(names = "--skip-empty", description = "Skip blank texts (their line numbers are reported) instead of stopping at the first.")
    boolean skipEmpty;

    @Override
    public Integer call() throws Exception {
        boolean jsonInput = switch (inputFormat.toLowerCase(Locale.ROOT)) {
            case "auto" -> input.endsWith(".jsonl") || input.endsWith(".ndjson");
            case "text" -> false;
            case "jsonl" -> true;
            default -> throw new IllegalArgumentException("--input-format takes auto, text or jsonl, got '" + inputFormat + "'");
        };
        boolean npy = switch (outputFormat.toLowerCase(Locale.ROOT)) {
            case "auto" -> output.endsWith(".npy");
            case "jsonl" -> false;
            case "npy" -> true;
            default -> throw new IllegalArgumentException("--output-format takes auto, jsonl or npy, got '" + outputFormat + "'");
        };
        if (npy && output.equals("-")) throw new IllegalArgumentException("--output-format npy needs an output file (its header is rewritten at the end)");
        JsonLinesSink.Encoding enc = switch (encoding.toLowerCase(Locale.ROOT)) {
            case "float" -> JsonLinesSink.Encoding.FLOAT;
            case "base64" -> JsonLinesSink.Encoding.BASE64;
            default -> throw new IllegalArgumentException("--encoding takes float or base64, got '" + encoding + "'");
        };
        TextRecordReader.Format format = jsonInput ? new TextRecordReader.JsonLines(idField.isEmpty() ? null : idField, textField)
                : new TextRecordReader.Lines();

        Embedder embedder = options.builder().build();
        EmbeddingStream stream = new EmbeddingStream(embedder, options.batchSize,
                skipEmpty ? EmbeddingStream.EmptyTexts.SKIP : EmbeddingStream.EmptyTexts.STOP);
        EmbeddingStream.Result result;
        try (TextRecordReader reader = new TextRecordReader(open(input), input.equals("-") ? "standard input" : input, format);
             Progress p = Progress.start("embed", -1)) {
            if (npy) {
                result = writeNpy(Path.of(output), embedder.dimension(), sink -> stream.run(reader, sink, p::stepTo));
            } else {
                EmbeddingStream.Result[] r = new EmbeddingStream.Result[1];
                Cli.writeAtomically(output, out -> r[0] = stream.run(reader, new JsonLinesSink(out, enc), p::stepTo));
                result = r[0];
            }
        }
        if (result.truncated() > 0) System.err.println("bellm embed: truncated " + result.truncated() + " texts to " + options.maxTokens + " tokens");
        if (!result.skippedLines().isEmpty()) {
            System.err.println("bellm embed: skipped " + result.skippedLines().size() + " empty lines: "
                    + result.skippedLines().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        if (result.stopped()) {
            System.err.println("bellm embed: line " + result.stoppedAtLine() + " is empty; stopped there. The output holds the "
                    + result.embedded() + " texts before it (--skip-empty skips such lines instead).");
            return 2;
        }
        return 0;
    }

    private static InputStream open(String input) throws IOException {
        if (input.equals("-")) return System.in;
        try {
            return Files.newInputStream(Path.of(input));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file " + input + " does not exist");
        }
    }

    private interface SinkRun {
        EmbeddingStream.Result run(EmbeddingSink sink) throws IOException;
    }

    /** .npy needs a seekable file for its header: written beside the target, renamed into place when complete. */
    private static EmbeddingStream.Result writeNpy(Path file, int dimension, SinkRun run) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            EmbeddingStream.Result result;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                result = run.run(new NpySink(ch, dimension));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return result;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
