package dev.bellm.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.embed.Embedder;
import dev.bellm.io.TextLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed one text per input line; write JSON Lines {\"index\", \"tokens\", \"embedding\"} in input order.",
        footer = {"", "Examples:",
                "  ./bellm embed --model ../shared/fixtures/tiny-llama --bidirectional-from 2 --input texts.txt --output out.jsonl",
                "  echo 'A man is playing a guitar.' | ./bellm embed --model stories260K.bin --bellm-prompt --input - --output -"})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Option(names = "--input", required = true, paramLabel = "FILE|-", description = "Texts, one per line ('-' for stdin).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE|-", description = "JSON Lines output ('-' for stdout); written atomically.")
    String output;

    @Override
    public Integer call() throws Exception {
        List<String> texts = readLines(input);
        Embedder embedder = options.builder().build();
        Embedder.Embeddings result;
        try (Progress p = Progress.start("embed", texts.size())) {
            result = embedder.embed(texts, p::stepTo);
        }
        if (result.truncated() > 0) System.err.println("bellm: truncated " + result.truncated() + " texts to " + options.maxTokens + " tokens");
        Cli.writeAtomically(output, out -> writeJsonLines(result, out));
        return 0;
    }

    /** The input's lines, strictly UTF-8: a bad byte is an error naming the file (or standard input) and the line. */
    static List<String> readLines(String input) throws Exception {
        return input.equals("-") ? TextLines.read(System.in, "standard input") : TextLines.read(Path.of(input));
    }

    private static void writeJsonLines(Embedder.Embeddings result, OutputStream out) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
        for (int i = 0; i < result.vectors().length; i++) {
            var row = new java.util.LinkedHashMap<String, Object>();
            row.put("index", i);
            row.put("tokens", result.tokenCounts()[i]);
            row.put("embedding", result.vectors()[i]);
            ps.print(json.writeValueAsString(row));
            ps.print('\n');
        }
        ps.flush();
    }
}
