package dev.bellm.cli;

import dev.bellm.embed.Embedder;
import dev.bellm.eval.EvalResults;
import dev.bellm.eval.ResultsJson;
import dev.bellm.eval.ResultsTable;
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
        description = {"Evaluate an encoder on the SentEval STS and transfer tasks.",
                "STS12-16, STS-B, SICK-R (Spearman x100 of cosine similarity) and the transfer probes (MR, CR, SUBJ, MPQA,",
                "SST2, TREC, MRPC). Prints the paper-style table, writes JSON."},
        footer = {"", "Examples:",
                "  ./bellm eval --model ../shared/models/stories260K/stories260K.bin --pooling mean --output results.json",
                "  ./bellm eval --model DIR --adapter out/adapter --bidirectional-from 30 --bellm-prompt --tasks stsb --split dev --output dev.json"})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    EmbeddingOptions options;

    @Option(names = "--tasks", paramLabel = "LIST", defaultValue = "sts",
            description = "Comma-separated: sts12,sts13,sts14,sts15,sts16,stsb,sickr, mr,cr,subj,mpqa,sst2,trec,mrpc, or the groups sts, transfer, all. Default: ${DEFAULT-VALUE}.")
    String tasks;

    @Option(names = "--split", paramLabel = "test|dev", defaultValue = "test", description = "STS-B split. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--append-period", description = "Append '.' to sentences that do not end in punctuation (the reference evaluation's option).")
    boolean appendPeriod;

    @Option(names = "--data", paramLabel = "DIR", description = "The folder holding data/sts and data/transfer. Default: the shared directory (-Dbellm.data, BELLM_DATA or ../shared).")
    Path data;

    @Option(names = "--output", required = true, paramLabel = "FILE.json",
            description = "Results JSON (written atomically); with both STS and transfer tasks, the transfer results go to FILE.transfer.json.")
    Path output;

    @Option(names = "--mteb-dir", paramLabel = "DIR", description = "Also write MTEB-style per-task result files here.")
    Path mtebDir;

    @Override
    public Integer call() throws Exception {
        Path dataDir = (data != null ? data : DataDirectory.root()).resolve("data");
        List<String> sts = new ArrayList<>(), transfer = new ArrayList<>();
        for (String raw : tasks.split(",")) {
            String t = raw.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (t.equals("all")) {
                sts.add("sts");
                transfer.add("transfer");
            } else if (t.equals("sts") || StsTask.parse("sts").stream().anyMatch(k -> k.cliName.equals(t))) {
                sts.add(t);
            } else {
                transfer.add(t);
            }
        }
        List<EvalResults> parts = new ArrayList<>();
        try (Embedder embedder = options.build()) {
            Map<String, Object> settings = settings(embedder);
            if (!sts.isEmpty()) {
                StsOptions o = new StsOptions(StsTask.parse(String.join(",", sts)), split, appendPeriod, StsOptions.DEFAULT_CHUNK_SIZE);
                parts.add(run("STS", p -> new StsEvaluator(dataDir, o).evaluate(t -> embedder.embed(t, options.promptName).vectors(), modelName(),
                        settings, p)));
            }
            if (!transfer.isEmpty()) {
                TransferOptions d = TransferOptions.defaults();
                TransferOptions o = new TransferOptions(TransferTask.parse(String.join(",", transfer)), d.probe(), appendPeriod, d.chunkSize());
                parts.add(run("transfer", p -> new TransferEvaluator(dataDir, o).evaluate(t -> embedder.embed(t, options.promptName).vectors(),
                        modelName(), settings, p)));
            }
        }
        // STS and transfer each keep their own average: one averaged over both would mean nothing
        for (int i = 0; i < parts.size(); i++) {
            EvalResults r = parts.get(i);
            System.out.println(ResultsTable.format(r));
            Path file = i == 0 ? output : transferFile(output);
            ResultsJson.write(file, r);
            if (mtebDir != null) ResultsJson.writeMteb(mtebDir, r);
            System.err.println("bellm eval: wrote " + file);
        }
        return 0;
    }

    /** {@code results.json} → {@code results.transfer.json}, for the transfer half of an "all" run. */
    static Path transferFile(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return output.resolveSibling(dot > 0 ? name.substring(0, dot) + ".transfer" + name.substring(dot) : name + ".transfer");
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
        s.put("adapters", options.adapters.stream().map(Path::toString).toList());
        s.putAll(embedder.settings());
        s.put("batch_size", options.batchSize);
        return s;
    }
}
