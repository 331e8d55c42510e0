package dev.bellm.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * SentEval's transfer tasks: a logistic-regression probe on frozen sentence embeddings. Files live under
 * {@code <data>/transfer/}, as SentEval's download script leaves them.
 */
public enum TransferTask {
    MR("mr", "MR", "MR", Protocol.CROSS_VALIDATION),
    CR("cr", "CR", "CR", Protocol.CROSS_VALIDATION),
    SUBJ("subj", "SUBJ", "SUBJ", Protocol.CROSS_VALIDATION),
    MPQA("mpqa", "MPQA", "MPQA", Protocol.CROSS_VALIDATION),
    SST2("sst2", "SST2", "SST-2", Protocol.TRAIN_DEV_TEST),
    TREC("trec", "TREC", "TREC", Protocol.TRAIN_TEST),
    MRPC("mrpc", "MRPC", "MRPC", Protocol.TRAIN_TEST);

    /** How a task's accuracy is measured. */
    public enum Protocol {
        /** One labelled set: stratified k-fold cross-validation, C chosen inside each training part. */
        CROSS_VALIDATION,
        /** Train, dev and test: C chosen by dev accuracy. */
        TRAIN_DEV_TEST,
        /** Train and test: C chosen by k-fold cross-validation on train. */
        TRAIN_TEST
    }

    /** The name on the command line. */
    public final String cliName;
    /** The key in the results JSON. */
    public final String resultName;
    /** The column header in the papers' tables. */
    public final String columnName;
    public final Protocol protocol;

    TransferTask(String cliName, String resultName, String columnName, Protocol protocol) {
        this.cliName = cliName;
        this.resultName = resultName;
        this.columnName = columnName;
        this.protocol = protocol;
    }

    /** The task's examples, read from {@code dataDir/transfer/...}. */
    public TransferDataset load(Path dataDir) {
        Path dir = dataDir.resolve("transfer");
        return switch (this) {
            case MR -> TransferReaders.readPolarity(this, dir.resolve("MR/rt-polarity.pos"), dir.resolve("MR/rt-polarity.neg"));
            case CR -> TransferReaders.readPolarity(this, dir.resolve("CR/custrev.pos"), dir.resolve("CR/custrev.neg"));
            case SUBJ -> TransferReaders.readPolarity(this, dir.resolve("SUBJ/subj.objective"), dir.resolve("SUBJ/subj.subjective"));
            case MPQA -> TransferReaders.readPolarity(this, dir.resolve("MPQA/mpqa.pos"), dir.resolve("MPQA/mpqa.neg"));
            case SST2 -> new TransferDataset(this, TransferReaders.readSst(dir.resolve("SST/binary/sentiment-train")),
                    TransferReaders.readSst(dir.resolve("SST/binary/sentiment-dev")),
                    TransferReaders.readSst(dir.resolve("SST/binary/sentiment-test")));
            case TREC -> new TransferDataset(this, TransferReaders.readTrec(dir.resolve("TREC/train_5500.label")), List.of(),
                    TransferReaders.readTrec(dir.resolve("TREC/TREC_10.label")));
            case MRPC -> new TransferDataset(this, TransferReaders.readMrpc(dir.resolve("MRPC/msr_paraphrase_train.txt")),
                    List.of(), TransferReaders.readMrpc(dir.resolve("MRPC/msr_paraphrase_test.txt")));
        };
    }

    /**
     * Tasks named in a comma-separated list of {@link #cliName}s (case-insensitive), in the order given,
     * without repeats; {@code transfer} stands for all seven.
     */
    public static List<TransferTask> parse(String list) {
        return TaskNames.parse(list, values(), t -> t.cliName, "transfer", "transfer");
    }
}
