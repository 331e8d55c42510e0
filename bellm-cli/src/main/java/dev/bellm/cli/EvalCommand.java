package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.eval.EvalResults;
import dev.bellm.eval.ResultsJson;
import dev.bellm.eval.ResultsTable;
import dev.bellm.eval.RetrievalEvaluator;
import dev.bellm.eval.RetrievalOptions;
import dev.bellm.eval.RetrievalTask;
import dev.bellm.eval.StsEvaluator;
import dev.bellm.eval.StsOptions;
import dev.bellm.eval.StsTask;
import dev.bellm.eval.TransferEvaluator;
import dev.bellm.eval.TransferOptions;
import dev.bellm.eval.TransferTask;
import dev.bellm.io.DataDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate an encoder on the SentEval STS, transfer and retrieval tasks.",
                "STS12-16, STS-B, SICK-R (Spearman x100 of cosine similarity), the transfer probes (MR, CR, SUBJ, MPQA,",
                "SST2, TREC, MRPC) and retrieval on entailment pairs (SNLI and SICK test: nDCG@10, MRR@10, Recall@100).",
                "Prints the paper-style table, writes JSON."},
        footer = {"", "Examples:",
                "  ./bellm eval --model ../shared/models/stories260K/stories260K.bin --pooling mean --output results.json",
                "  ./bellm eval --model DIR --adapter out/adapter --bidirectional-from 30 --bellm-prompt --tasks stsb --split dev --output dev.json",
                "  ./bellm eval --model ../shared/models/stories260K/stories260K.bin --pooling mean --tasks retrieval --output ir.json --mteb-dir mteb"})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Option(names = "--tasks", paramLabel = "LIST", defaultValue = "sts",
            description = "Comma-separated: sts12,sts13,sts14,sts15,sts16,stsb,sickr, mr,cr,subj,mpqa,sst2,trec,mrpc, snli-ir,sick-ir, or the groups sts, transfer, retrieval, all. Default: ${DEFAULT-VALUE}.")
    String tasks;

    @Option(names = "--split", paramLabel = "test|dev", defaultValue = "test", description = "STS-B split. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--append-period", description = "Append '.' to sentences that do not end in punctuation (the reference evaluation's option).")
    boolean appendPeriod;

    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/sts and data/transfer. Default: the shared directory (-Dbellm.data, BELLM_DATA or ../shared).")
    Path data;

    @Option(names = "--output", required = true, paramLabel = "FILE.json",
            description = "Results JSON (written atomically); with several groups, the first goes here and the others to FILE.transfer.json, FILE.retrieval.json.")
    Path output;

    @Option(names = "--mteb-dir", paramLabel = "DIR", description = "Also write MTEB-style per-task result files here.")
    Path mtebDir;

    @Override
    public Integer call() throws Exception {
        Path dataDir = (data != null ? data : DataDirectory.root()).resolve("data");
        List<String> sts = new ArrayList<>(), transfer = new ArrayList<>(), retrieval = new ArrayList<>();
        for (String raw : tasks.split(",")) {
            String t = raw.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (t.equals("all")) {
                sts.add("sts");
                transfer.add("transfer");
                retrieval.add("retrieval");
            } else if (t.equals("retrieval") || RetrievalTask.parse("retrieval").stream().anyMatch(k -> k.cliName.equals(t))) {
                retrieval.add(t);
            } else if (t.equals("sts") || StsTask.parse("sts").stream().anyMatch(k -> k.cliName.equals(t))) {
                sts.add(t);
            } else {
                transfer.add(t);
            }
        }
        Embedder embedder = options.builder().build();
        Map<String, Object> settings = settings(embedder);
        Map<String, EvalResults> parts = new LinkedHashMap<>();
        if (!sts.isEmpty()) {
            StsOptions o = new StsOptions(StsTask.parse(String.join(",", sts)), split, appendPeriod, StsOptions.DEFAULT_CHUNK_SIZE);
            parts.put("sts", run("STS", p -> new StsEvaluator(dataDir, o).evaluate(t -> embedder.embed(t).vectors(), modelName(), settings, p)));
        }
        if (!transfer.isEmpty()) {
            TransferOptions d = TransferOptions.defaults();
            TransferOptions o = new TransferOptions(TransferTask.parse(String.join(",", transfer)), d.probe(), appendPeriod, d.chunkSize());
            parts.put("transfer", run("transfer", p -> new TransferEvaluator(dataDir, o).evaluate(t -> embedder.embed(t).vectors(), modelName(), settings, p)));
        }
        if (!retrieval.isEmpty()) {
            RetrievalOptions o = new RetrievalOptions(RetrievalTask.parse(String.join(",", retrieval)), appendPeriod,
                    StsOptions.DEFAULT_CHUNK_SIZE);
            parts.put("retrieval", run("retrieval", p -> new RetrievalEvaluator(dataDir, o).evaluate(t -> embedder.embed(t).vectors(), modelName(), settings, p)));
        }
        // each group keeps its own average: one averaged over Spearman, accuracy and nDCG would mean nothing
        boolean first = true;
        for (Map.Entry<String, EvalResults> part : parts.entrySet()) {
            EvalResults r = part.getValue();
            System.out.println(ResultsTable.format(r));
            Path file = first ? output : siblingFile(output, part.getKey());
            first = false;
            ResultsJson.write(file, r);
            if (mtebDir != null) ResultsJson.writeMteb(mtebDir, r);
            System.err.println("bellm eval: wrote " + file);
        }
        return 0;
    }

    /** {@code results.json} → {@code results.KIND.json}, for the second and later groups of a run. */
    static Path siblingFile(Path output, String kind) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return output.resolveSibling(dot > 0 ? name.substring(0, dot) + "." + kind + name.substring(dot) : name + "." + kind);
    }

    private interface Run {
        EvalResults run(dev.bellm.eval.ProgressListener p);
    }

    private static EvalResults run(String name, Run body) {
        try (Progress.Lazy bar = Progress.lazy(name)) {
            return body.run(bar::update);
        }
    }

    private String modelName() {
        return options.model.model.toString();
    }

    private Map<String, Object> settings(Embedder embedder) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", modelName());
        s.put("adapter", options.adapter == null ? null : options.adapter.toString());
        s.putAll(embedder.settings());
        s.put("batch_size", options.batchSize);
        return s;
    }
}
