package dev.bellm.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.embed.Embedder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed one text per input line; write JSON Lines {\"index\", \"tokens\", \"embedding\"} in input order.",
                "The model folder and each adapter carry their recipe (sentence-transformers files, bellm_encoder.json);",
                "with no other flag they are used as published. A flag overrides them and says so on stderr."},
        footer = {"", "Examples:",
                "  ./bellm embed --model Qwen3-Embedding-0.6B --prompt-name query --dimensions 256 --input q.txt --output q.jsonl",
                "  ./bellm embed --model Llama-3-8B --adapter LLM2Vec-mntp --adapter LLM2Vec-supervised --input t.txt --output t.jsonl",
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
        Embedder.Embeddings result;
        int maxTokens;
        try (Embedder embedder = options.build(); Progress p = Progress.start("embed", texts.size())) {
            result = embedder.embed(texts, options.promptName, options.dimensions, p::stepTo);
            maxTokens = embedder.maxTokens();
        }
        if (result.truncated() > 0) System.err.println("bellm: truncated " + result.truncated() + " texts to " + maxTokens + " tokens");
        Cli.writeAtomically(output, out -> writeJsonLines(result, out));
        return 0;
    }

    static List<String> readLines(String input) throws Exception {
        BufferedReader r = input.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Cli.reader(Path.of(input));
        List<String> lines = new ArrayList<>();
        try (r) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        return lines;
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
