package dev.bellm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.search.SemanticIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Find the documents of a `bellm index` nearest to a query (embedded with the index's query prompt).",
        footer = {"", "Example:", "  ./bellm search --index docs.idx -k 3 \"a dog in the park\""})
final class SearchCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "DIR", description = "An index made by `bellm index`.")
    Path index;

    @Option(names = {"-k", "--top"}, defaultValue = "5", paramLabel = "N", description = "How many documents. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = "--json", description = "One JSON object per hit ({\"rank\", \"id\", \"score\", \"line\", \"text\"}) instead of a table.")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads. Default: all cores.")
    Integer threads;

    @Parameters(paramLabel = "QUERY", arity = "1..*", description = "The query (several words are joined by spaces).")
    java.util.List<String> query;

    @Override
    public Integer call() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        try (SemanticIndex search = SemanticIndex.open(index, threads != null ? threads : Runtime.getRuntime().availableProcessors())) {
            int rank = 0;
            for (SemanticIndex.Hit hit : search.search(String.join(" ", query), k)) {
                rank++;
                if (json) {
                    var row = new LinkedHashMap<String, Object>();
                    row.put("rank", rank);
                    row.put("id", hit.id());
                    row.put("score", hit.score());
                    row.put("line", hit.line());
                    row.put("text", hit.text());
                    System.out.println(mapper.writeValueAsString(row));
                } else {
                    System.out.println(String.format(Locale.ROOT, "%2d  %.4f  %-12s %s", rank, hit.score(), hit.id(), hit.text()));
                }
            }
        }
        return 0;
    }
}
