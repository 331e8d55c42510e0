package dev.bellm.eval;

import dev.bellm.eval.TransferDataset.Example;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Readers for SentEval's transfer-task files. Like SentEval, blank lines of the one-sentence-a-line files
 * are kept as (empty) examples, so the counts match SentEval's: MR 10662, CR 3775, SUBJ 10000, MPQA 10606.
 */
public final class TransferReaders {
    private TransferReaders() {}

    /** TREC's coarse classes; the label is the index in this list. */
    public static final List<String> TREC_CLASSES = List.of("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM");

    /**
     * Two files of one sentence a line: the first gets label 1, the second 0 (as SentEval: pos/neg, and for
     * SUBJ objective/subjective). SentEval reads them as latin-1, which decodes any byte.
     */
    public static TransferDataset readPolarity(TransferTask task, Path positive, Path negative) {
        List<Example> examples = new ArrayList<>();
        for (String line : DataFiles.readLines(positive, StandardCharsets.ISO_8859_1)) examples.add(new Example(List.of(line), 1));
        for (String line : DataFiles.readLines(negative, StandardCharsets.ISO_8859_1)) examples.add(new Example(List.of(line), 0));
        return new TransferDataset(task, examples, List.of(), List.of());
    }

    /** An SST binary file ({@code sentiment-train} etc.): {@code sentence<TAB>label}, label 0 or 1. */
    public static List<Example> readSst(Path file) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.UTF_8);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] fields = lines.get(i).split("\t", -1);
            String label = fields.length == 2 ? fields[1].strip() : "";
            if (!label.equals("0") && !label.equals("1")) {
                throw new DatasetException(file, i + 1, "expected 'sentence<TAB>label' with label 0 or 1");
            }
            examples.add(new Example(List.of(fields[0]), Integer.parseInt(label)));
        }
        return examples;
    }

    /**
     * A TREC file ({@code train_5500.label}, {@code TREC_10.label}), latin-1: {@code COARSE:fine question}; the
     * label is the coarse class's index in {@link #TREC_CLASSES}.
     */
    public static List<Example> readTrec(Path file) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.ISO_8859_1);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            int colon = line.indexOf(':');
            int space = line.indexOf(' ');
            int label = colon > 0 ? TREC_CLASSES.indexOf(line.substring(0, colon)) : -1;
            if (label < 0 || space < colon) {
                throw new DatasetException(file, i + 1, "expected 'CLASS:fine question' with CLASS one of " + TREC_CLASSES);
            }
            examples.add(new Example(List.of(line.substring(space + 1)), label));
        }
        return examples;
    }

    /**
     * An MRPC file ({@code msr_paraphrase_train.txt}, {@code msr_paraphrase_test.txt}): a header row, then
     * {@code Quality<TAB>#1 ID<TAB>#2 ID<TAB>#1 String<TAB>#2 String}; Quality 1 means paraphrase.
     */
    public static List<Example> readMrpc(Path file) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().startsWith("Quality\t")) {
            throw new DatasetException(file, 1, "expected the MRPC header row starting with 'Quality<TAB>#1 ID'");
        }
        List<Example> examples = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] fields = lines.get(i).split("\t", -1);
            if (fields.length != 5 || !(fields[0].equals("0") || fields[0].equals("1"))) {
                throw new DatasetException(file, i + 1, "expected 5 tab-separated fields: Quality (0 or 1), #1 ID, #2 ID,"
                        + " #1 String, #2 String");
            }
            examples.add(new Example(List.of(fields[3], fields[4]), Integer.parseInt(fields[0])));
        }
        return examples;
    }
}
