package dev.bellm.cli;

import dev.bellm.tokenizer.Tokenizer;
import dev.bellm.tokenizer.Tokenizers;
import dev.bellm.io.TextLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Token ids of each input line, as the model sees them (BOS/EOS included), one JSON array per line.",
        footer = {"", "An empty line gives the ids of the empty text (for most models just BOS or EOS).", "", "Examples:",
                "  ./bellm tokenize --model ../shared/fixtures/zoo/qwen3-embedding --input texts.txt --output ids.jsonl",
                "  ./bellm tokenize --tokenizer ../shared/tokenizers/mistral/tokenizer.json --input texts.txt"})
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "PATH", description = "Hugging Face directory or llama2.c .bin whose tokenizer to use.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer.json (with the tokenizer_config.json beside it,"
            + " if any) or llama2.c tok*.bin; wins over the model's own.")
    Path tokenizer;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "One text per line; - for stdin.")
    String input;

    @Option(names = "--output", defaultValue = "-", paramLabel = "FILE", description = "JSON lines of ids; - for stdout (the default).")
    String output;

    @Override
    public Integer call() throws Exception {
        if (model == null && tokenizer == null) throw new IllegalArgumentException("give --model or --tokenizer");
        Tokenizer tok = tokenizer != null ? Tokenizers.load(tokenizer) : Tokenizers.forModel(model, null);
        List<String> texts = input.equals("-") ? TextLines.read(System.in, "standard input") : TextLines.read(java.nio.file.Path.of(input));
        Cli.writeAtomically(output, out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            StringBuilder line = new StringBuilder();
            for (String text : texts) {
                line.setLength(0);
                line.append('[');
                int[] ids = tok.encode(text);
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0) line.append(',');
                    line.append(ids[i]);
                }
                w.write(line.append("]\n").toString());
            }
            w.flush();
        });
        return 0;
    }
}
