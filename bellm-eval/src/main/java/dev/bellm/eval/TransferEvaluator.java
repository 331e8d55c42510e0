package dev.bellm.eval;

import dev.bellm.eval.TransferDataset.Example;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * SentEval's transfer tasks: frozen embeddings, a logistic-regression probe, accuracy ×100 (see
 * {@link LogisticProbe} and {@link ProbeOptions}). Each task's unique sentences are embedded once, one task
 * at a time, so only one task's embeddings are held at once (SST-2 has 67k training phrases).
 */
public final class TransferEvaluator {
    private final Path dataDir;
    private final TransferOptions options;

    /** @param dataDir the folder holding {@code transfer/} (see {@link DataFiles#defaultDataDir()}) */
    public TransferEvaluator(Path dataDir, TransferOptions options) {
        this.dataDir = DataFiles.requireDirectory(dataDir);
        this.options = options;
    }

    /** Reads every selected task (so a missing file fails before any embedding), then embeds and probes task by task. */
    public EvalResults evaluate(SentenceEncoder encoder, String model, Map<String, Object> settings, ProgressListener progress) {
        List<TransferDataset> datasets = options.tasks().stream().map(t -> prepare(t.load(dataDir))).toList();
        long total = datasets.stream().mapToLong(d -> new LinkedHashSet<>(sentencesOf(d)).size()).sum();
        LogisticProbe probe = new LogisticProbe(options.probe());
        Map<String, TaskResult> results = new LinkedHashMap<>();
        long embedded = 0;
        int dimension = -1;
        for (TransferDataset dataset : datasets) {
            long before = embedded;
            SentenceEmbeddings embeddings = SentenceEmbeddings.encode(encoder, sentencesOf(dataset), options.chunkSize(),
                    (done, ofTask) -> progress.onProgress(before + done, total));
            embedded += embeddings.size();
            dimension = embeddings.dimension();
            results.put(dataset.task().resultName, score(dataset, embeddings, probe));
        }
        return new EvalResults(model, settings, protocol(dimension), results);
    }

    static TransferResult score(TransferDataset data, SentenceEmbeddings embeddings, LogisticProbe probe) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        LogisticProbe.Score score = switch (data.task().protocol) {
            case CROSS_VALIDATION -> {
                sizes.put("examples", data.train().size());
                yield probe.crossValidate(features(data.train(), embeddings), labels(data.train()));
            }
            case TRAIN_DEV_TEST -> {
                sizes.put("train", data.train().size());
                sizes.put("dev", data.dev().size());
                sizes.put("test", data.test().size());
                yield probe.trainDevTest(features(data.train(), embeddings), labels(data.train()),
                        features(data.dev(), embeddings), labels(data.dev()),
                        features(data.test(), embeddings), labels(data.test()));
            }
            case TRAIN_TEST -> {
                sizes.put("train", data.train().size());
                sizes.put("test", data.test().size());
                yield probe.trainTest(features(data.train(), embeddings), labels(data.train()),
                        features(data.test(), embeddings), labels(data.test()));
            }
        };
        return new TransferResult(100 * score.accuracy(), 100 * score.devAccuracy(), sizes);
    }

    /** A sentence's embedding; a pair's {@code [u, v, |u − v|, u ⊙ v]} (InferSent's pair features). */
    static float[][] features(List<Example> examples, SentenceEmbeddings embeddings) {
        float[][] x = new float[examples.size()][];
        for (int i = 0; i < x.length; i++) {
            List<String> texts = examples.get(i).texts();
            if (texts.size() == 1) {
                x[i] = embeddings.get(texts.getFirst());
                continue;
            }
            float[] u = embeddings.get(texts.get(0));
            float[] v = embeddings.get(texts.get(1));
            int d = u.length;
            float[] f = new float[4 * d];
            for (int j = 0; j < d; j++) {
                f[j] = u[j];
                f[d + j] = v[j];
                f[2 * d + j] = Math.abs(u[j] - v[j]);
                f[3 * d + j] = u[j] * v[j];
            }
            x[i] = f;
        }
        return x;
    }

    private static int[] labels(List<Example> examples) {
        return examples.stream().mapToInt(Example::label).toArray();
    }

    private TransferDataset prepare(TransferDataset data) {
        return new TransferDataset(data.task(), prepare(data.train()), prepare(data.dev()), prepare(data.test()));
    }

    private List<Example> prepare(List<Example> examples) {
        return examples.stream().map(e -> new Example(e.texts().stream()
                .map(t -> SentenceText.prepare(t, options.appendPeriod())).toList(), e.label())).toList();
    }

    private static List<String> sentencesOf(TransferDataset data) {
        List<String> sentences = new ArrayList<>();
        for (List<Example> part : List.of(data.train(), data.dev(), data.test())) {
            for (Example e : part) sentences.addAll(e.texts());
        }
        return sentences;
    }

    private Map<String, Object> protocol(int dimension) {
        ProbeOptions probe = options.probe();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("evaluation", "SentEval transfer tasks: a logistic-regression probe on frozen sentence embeddings");
        p.put("classifier", "liblinear 2.44 L2-regularised logistic regression (L2R_LR, primal Newton, eps 0.01), bias as a"
                + " constant feature, one-vs-rest for TREC's 6 classes");
        p.put("features", "each dimension standardised with the mean and standard deviation of the training part;"
                + " MRPC pairs as [u, v, |u-v|, u*v]");
        p.put("c_grid", probe.cGrid());
        p.put("c_choice", "the C with the best validation accuracy; ties go to the smaller C");
        p.put("cross_validation_tasks", "MR, CR, SUBJ, MPQA: stratified " + probe.folds() + "-fold cross-validation; in each"
                + " fold C chosen by stratified " + probe.selectionFolds() + "-fold cross-validation of the training part"
                + " (standardised once on that part), then fitted on the whole training part; accuracy is the mean over folds");
        p.put("sst2", "fitted on train for each C, C chosen by dev accuracy, that classifier's test accuracy");
        p.put("trec_mrpc", "C chosen by stratified " + probe.selectionFolds() + "-fold cross-validation on train, fitted on"
                + " all of train, test accuracy");
        p.put("seed", probe.seed());
        p.put("text", "whitespace runs collapsed to one space and ends trimmed (SentEval's split and join);"
                + " an empty line becomes '.' (kept as an example, as SentEval does)");
        p.put("append_period", options.appendPeriod());
        p.put("embedding_dim", dimension);
        p.put("avg", "mean of the tasks' test accuracy x100");
        return p;
    }
}
