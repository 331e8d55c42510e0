package dev.bellm.spark;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bellm spark-embed}: reads Parquet or JSON Lines, adds an embedding column with
 * {@link BellmEmbeddingTransformer}, writes Parquet. Runs on {@code local[N]} by default; under
 * {@code spark-submit} it uses the master spark-submit gives.
 */
@Command(name = "spark-embed", mixinStandardHelpOptions = true,
        description = "Embed a dataset's text column on Apache Spark (local[N] by default, or under spark-submit); write Parquet.",
        footer = {"", "Examples:",
                "  ./bellm spark-embed --model enc --input docs.jsonl --output vectors.parquet --master 'local[2]'",
                "  spark-submit --class dev.bellm.spark.SparkEmbed bellm-spark-0.1.0-SNAPSHOT-job.jar --model /shared/enc --input s3a://b/docs --output s3a://b/vec"})
public final class SparkEmbed implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "The model, at a path every executor can read (shared storage or --files).")
    String model;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "llama2.c tokenizer; default: the tok*.bin beside the model.")
    String tokenizer;
    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory; repeat to stack adapters, in order.")
    List<String> adapters = new ArrayList<>();
    @Option(names = "--bidirectional-from", paramLabel = "N|none|all", description = "First bidirectional layer. Default: the recipe's, else none.")
    String bidirectionalFrom;
    @Option(names = "--pooling", paramLabel = "last|mean|first", description = "Default: the recipe's, else last.")
    String pooling;
    @Option(names = "--prompt", paramLabel = "TEMPLATE", description = "Prompt template with {text}.")
    String prompt;
    @Option(names = "--bellm-prompt", description = "The BeLLM paper's prompt.")
    boolean bellmPrompt;
    @Option(names = "--normalize", negatable = true, description = "L2-normalise the embeddings (--no-normalize: do not). Default: the recipe's.")
    Boolean normalize;
    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest input in tokens. Default: the model's maximum.")
    Integer maxTokens;
    @Option(names = "--truncate", negatable = true, description = "Cut longer inputs instead of failing. Default: the recipe's, else off.")
    Boolean truncate;
    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Texts per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;
    @Option(names = "--threads", paramLabel = "N", description = "Compute threads per executor. Default: local[N]'s N, else spark.executor.cores.")
    Integer threads;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Parquet (file or directory) or JSON Lines.")
    String input;
    @Option(names = "--input-format", defaultValue = "auto", paramLabel = "auto|parquet|jsonl", description = "auto: jsonl for *.jsonl/*.json/*.ndjson, else parquet.")
    String inputFormat;
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Parquet output directory (must not exist).")
    String output;
    @Option(names = "--text-col", defaultValue = "text", paramLabel = "NAME", description = "Text column. Default: ${DEFAULT-VALUE}.")
    String textCol;
    @Option(names = "--output-col", defaultValue = "embedding", paramLabel = "NAME", description = "Embedding column. Default: ${DEFAULT-VALUE}.")
    String outputCol;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not under spark-submit. Default: local[all cores].")
    String master;
    @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions first (order is then not kept).")
    Integer partitions;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkEmbed());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (System.getenv("BELLM_DEBUG") != null) e.printStackTrace();
            cmd.getErr().println("bellm spark-embed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            // Spark's AnalysisException is the user's to fix too: an output that exists, a column that does not
            return e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof org.apache.spark.sql.AnalysisException ? 2 : 1;
        });
        return cli.execute(args);
    }

    EmbedderRecipe recipe() {
        if (bellmPrompt && prompt != null) throw new IllegalArgumentException("give either --prompt or --bellm-prompt, not both");
        // paths stay as given: an executor resolves a relative one in its own working directory (--files, --archives);
        // what is not stated here is the model folder's recipe
        try {
            return new EmbedderRecipe(model, tokenizer, adapters, bidirectionalFrom, pooling, null,
                    bellmPrompt ? Embedder.BELLM_PROMPT : prompt, null, normalize, null, maxTokens, truncate);
        } catch (IllegalArgumentException e) {
            // the recipe names its fields; on the command line they are flags
            String message = e.getMessage().replaceFirst("^bidirectional_from ", "--bidirectional-from ")
                    .replaceFirst("^unknown pooling ", "--pooling: unknown pooling ");
            throw new IllegalArgumentException(message, e);
        }
    }

    @Override
    public Integer call() {
        EmbedderRecipe recipe = recipe();
        SparkSession.Builder builder = SparkSession.builder().appName("bellm spark-embed");
        boolean underSubmit = System.getProperty("spark.master") != null;
        String effectiveMaster = underSubmit ? System.getProperty("spark.master")
                : master != null ? master : "local[" + Runtime.getRuntime().availableProcessors() + "]";
        if (!underSubmit) builder.master(effectiveMaster);
        if (effectiveMaster.startsWith("local")) {
            // a local run serves nothing to other machines: keep the driver on loopback, no web UI
            builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false");
        }
        SparkSession spark = builder.getOrCreate();
        boolean jsonl = switch (inputFormat.toLowerCase(Locale.ROOT)) {
            case "auto" -> input.endsWith(".jsonl") || input.endsWith(".json") || input.endsWith(".ndjson");
            case "jsonl" -> true;
            case "parquet" -> false;
            default -> throw new IllegalArgumentException("--input-format takes auto, parquet or jsonl, got '" + inputFormat + "'");
        };
        Dataset<Row> in = jsonl ? spark.read().json(input) : spark.read().parquet(input);
        if (partitions != null) in = in.repartition(partitions);
        int executorThreads = threads != null ? threads : threadsFor(effectiveMaster, spark);
        BellmEmbeddingTransformer t = new BellmEmbeddingTransformer().setRecipe(recipe).setInputCol(textCol).setOutputCol(outputCol)
                .setThreads(executorThreads).setBatchSize(batchSize);
        long start = System.nanoTime();
        Dataset<Row> out = t.transform(in);
        out.write().parquet(output);
        double seconds = (System.nanoTime() - start) / 1e9;
        long rows = spark.read().parquet(output).count();
        System.err.printf(Locale.ROOT, "bellm spark-embed: %d rows in %.1f s (%.1f rows/s) on %s, %d compute threads per executor%n",
                rows, seconds, rows / seconds, effectiveMaster, executorThreads);
        return 0;
    }

    /** local[N] → N; local[*] → all cores; a cluster → spark.executor.cores (else the driver's core count). */
    static int threadsFor(String master, SparkSession spark) {
        var m = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?\\]").matcher(master);
        if (m.matches()) return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
        if (master.equals("local")) return 1;
        return Integer.parseInt(spark.conf().get("spark.executor.cores", Integer.toString(Runtime.getRuntime().availableProcessors())));
    }
}
