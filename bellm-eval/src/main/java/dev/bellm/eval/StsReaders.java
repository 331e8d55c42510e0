package dev.bellm.eval;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Readers for the STS data as SentEval distributes it. Each returns the scored pairs in file order;
 * sentences are returned as written (the evaluator normalises whitespace).
 */
public final class StsReaders {
    private StsReaders() {}

    /** Gold scores of STS, STS-B and SICK lie in [0, 5]; anything outside means a shifted column. */
    private static final double MAX_SCORE = 5.0;

    /**
     * The listed subsets of one STS12–16 year folder, concatenated in that order. Each subset is
     * {@code STS.input.SUBSET.txt} (two tab-separated sentences a line) and {@code STS.gs.SUBSET.txt} (the
     * gold score on the same line); a pair whose gold line is empty is not scored and is skipped.
     */
    public static List<ScoredPair> readStsYear(Path yearDir, List<String> subsets) {
        List<ScoredPair> pairs = new ArrayList<>();
        for (String subset : subsets) pairs.addAll(readStsSubset(yearDir, subset));
        return pairs;
    }

    /** One STS12–16 subset; see {@link #readStsYear}. */
    public static List<ScoredPair> readStsSubset(Path yearDir, String subset) {
        Path inputFile = yearDir.resolve("STS.input." + subset + ".txt");
        Path goldFile = yearDir.resolve("STS.gs." + subset + ".txt");
        List<String> inputs = DataFiles.readLines(inputFile, StandardCharsets.UTF_8);
        List<String> golds = DataFiles.readLines(goldFile, StandardCharsets.UTF_8);
        if (inputs.size() != golds.size()) {
            throw new DatasetException(goldFile, golds.size() + " lines but " + inputFile.getFileName() + " has " + inputs.size()
                    + "; the gold file needs one line (possibly empty) per sentence pair");
        }
        List<ScoredPair> pairs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String gold = golds.get(i);
            if (gold.isBlank()) continue;
            String[] sentences = inputs.get(i).split("\t", -1);
            if (sentences.length != 2) {
                throw new DatasetException(inputFile, i + 1, "expected two tab-separated sentences, found "
                        + sentences.length + " field(s)");
            }
            double score = checkedScore(goldFile, i + 1, "gold score", gold);
            pairs.add(new ScoredPair(subset, sentences[0], sentences[1], score));
        }
        return pairs;
    }

    /**
     * An STS Benchmark file ({@code sts-train.csv}, {@code sts-dev.csv}, {@code sts-test.csv}): tab-separated,
     * genre, file, year, id, score, sentence 1, sentence 2 (columns 1–7), and sometimes extra columns, which are
     * ignored. No header; quotes are plain text, not CSV quoting.
     */
    public static List<ScoredPair> readStsBenchmark(Path file, String split) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.UTF_8);
        List<ScoredPair> pairs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] fields = lines.get(i).split("\t", -1);
            if (fields.length < 7) {
                throw new DatasetException(file, i + 1, "expected at least 7 tab-separated columns (score in column 5,"
                        + " sentences in 6 and 7), found " + fields.length);
            }
            double score = checkedScore(file, i + 1, "score (column 5)", fields[4]);
            pairs.add(new ScoredPair(split, fields[5], fields[6], score));
        }
        return pairs;
    }

    /**
     * A SICK file ({@code SICK_train.txt}, {@code SICK_trial.txt}, {@code SICK_test_annotated.txt}): a header row
     * {@code pair_ID sentence_A sentence_B relatedness_score entailment_judgment}, then one tab-separated pair a
     * line. The relatedness score (1–5) is the gold score.
     */
    public static List<ScoredPair> readSick(Path file, String split) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().startsWith("pair_ID\t")) {
            throw new DatasetException(file, 1, "expected the SICK header row starting with 'pair_ID<TAB>sentence_A'");
        }
        List<ScoredPair> pairs = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] fields = lines.get(i).split("\t", -1);
            if (fields.length < 4) {
                throw new DatasetException(file, i + 1, "expected pair_ID, sentence_A, sentence_B, relatedness_score"
                        + " separated by tabs, found " + fields.length + " field(s)");
            }
            double score = checkedScore(file, i + 1, "relatedness_score", fields[3]);
            pairs.add(new ScoredPair(split, fields[1], fields[2], score));
        }
        return pairs;
    }

    private static double checkedScore(Path file, int line, String field, String text) {
        double score = DataFiles.parseNumber(file, line, field, text);
        if (score < 0 || score > MAX_SCORE) {
            throw new DatasetException(file, line, field + " " + score + " is outside [0, 5]; is a column missing?");
        }
        return score;
    }
}
