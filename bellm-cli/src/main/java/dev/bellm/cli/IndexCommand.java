package dev.bellm.cli;

import dev.bellm.embed.EmbedderRecipe;
import dev.bellm.embed.stream.TextRecordReader;
import dev.bellm.search.SemanticIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Embed documents (JSON Lines or text lines) into a Lucene HNSW index for `bellm search`.",
        footer = {"", "The encoder's recipe (model, adapter, layers, pooling, prompts) is stored with the index, so",
                "`bellm search` needs only the index. --prompt is the documents' prompt, --query-prompt the queries'.",
                "", "Example:",
                "  ./bellm index --model stories260K.bin --prompt 'Story: {text}' --query-prompt 'Find: {text}' --input docs.jsonl --index docs.idx"})
final class IndexCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Documents: JSON Lines ({\"id\", \"text\"}) or one text per line.")
    Path input;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index directory to create (must not exist).")
    Path index;

    @Option(names = "--query-prompt", paramLabel = "TEMPLATE", description = "Prompt for queries, with {text}. Default: the documents' prompt.")
    String queryPrompt;

    @Option(names = "--id-field", defaultValue = "id", paramLabel = "NAME", description = "JSON Lines id field ('' for none: ids are line numbers). Default: ${DEFAULT-VALUE}.")
    String idField;

    @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME", description = "JSON Lines text field. Default: ${DEFAULT-VALUE}.")
    String textField;

    @Option(names = "--skip-empty", description = "Skip blank documents instead of stopping at the first.")
    boolean skipEmpty;

    @Override
    public Integer call() throws Exception {
        String documentPrompt = options.encoder.promptTemplate();
        // the folders' recipes with the flags stated over them, as `bellm embed` builds it
        EncoderOptions e = options.encoder;
        EmbedderRecipe recipe = new EmbedderRecipe(absolute(options.model.model), absolute(options.model.tokenizer),
                options.adapters.stream().map(IndexCommand::absolute).toList(), e.bidirectionalFrom, e.pooling, e.includePrompt, documentPrompt,
                options.promptName, options.normalize, options.dimensions, options.maxTokens, options.truncate);
        String name = input.toString();
        TextRecordReader.Format format = name.endsWith(".jsonl") || name.endsWith(".ndjson")
                ? new TextRecordReader.JsonLines(idField.isEmpty() ? null : idField, textField) : new TextRecordReader.Lines();
        int threads = options.model.threads != null ? options.model.threads : Runtime.getRuntime().availableProcessors();
        SemanticIndex.BuildResult result;
        try (TextRecordReader reader = new TextRecordReader(open(input), name, format); Progress p = Progress.start("index", -1)) {
            result = SemanticIndex.build(recipe, queryPrompt != null ? queryPrompt : documentPrompt, reader, index,
                    new SemanticIndex.BuildOptions(options.batchSize, threads, skipEmpty), p::stepTo);
        }
        if (result.stoppedAtLine() > 0) {
            System.err.println("bellm index: line " + result.stoppedAtLine() + " of " + input + " is empty; no index written (--skip-empty skips such lines)");
            return 2;
        }
        if (!result.skippedLines().isEmpty()) System.err.println("bellm index: skipped empty lines " + result.skippedLines());
        System.err.println("bellm index: " + result.documents() + " documents in " + index);
        return 0;
    }

    private static String absolute(Path p) {
        return p == null ? null : p.toAbsolutePath().normalize().toString();
    }

    private static java.io.InputStream open(Path input) throws java.io.IOException {
        try {
            return Files.newInputStream(input);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file " + input + " does not exist");
        }
    }
}
