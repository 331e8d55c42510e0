package dev.bellm.eval;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Retrieval tasks built from entailment pairs: each premise is a query, the hypotheses it entails are its relevant
 * documents, and every hypothesis of the split (entailed, neutral or contradicted, by any premise) is the corpus.
 * A good encoder must therefore rank a premise's entailed hypotheses above the neutral and contradicting ones
 * written for the same premise, which share most of its words, as well as above everyone else's.
 */
public enum RetrievalTask {
    /** SNLI test: {@code nli/s1.test}, {@code s2.test}, {@code labels.test}; 3,300-odd queries over ~9,800 hypotheses. */
    SNLI("snli-ir", "SNLIRetrieval", "SNLI-IR", "test"),
    /** SICK test: sentence_A the query, sentence_B the document, {@code ENTAILMENT} the relevance (A entails B). */
    SICK("sick-ir", "SICKRetrieval", "SICK-IR", "test");

    /** The name on the command line. */
    public final String cliName;
    /** The key in the results JSON and the MTEB-style file name. */
    public final String resultName;
    /** The table's column header. */
    public final String columnName;
    public final String split;

    RetrievalTask(String cliName, String resultName, String columnName, String split) {
        this.cliName = cliName;
        this.resultName = resultName;
        this.columnName = columnName;
        this.split = split;
    }

    /** The labelled (premise, hypothesis) pairs of the task, read from {@code dataDir}. */
    public List<LabelledPair> loadPairs(Path dataDir) {
        return switch (this) {
            case SNLI -> readSnli(dataDir.resolve("nli"), split);
            case SICK -> readSick(dataDir.resolve("sts/SICK/SICK_test_annotated.txt"));
        };
    }

    /** A premise, a hypothesis, and whether the first entails the second. */
    public record LabelledPair(String premise, String hypothesis, boolean entails) {}

    /** Queries, corpus and relevance. {@code relevant.get(q)} holds indices into {@code corpus}. */
    public record Dataset(RetrievalTask task, List<String> queries, List<String> corpus, List<Set<Integer>> relevant,
                          int queriesWithoutRelevant) {}

    /**
     * The retrieval set of labelled pairs, texts passed through {@code prepare} first. Queries are the distinct
     * premises with at least one entailed hypothesis, in order of first appearance (the others are counted); the
     * corpus is the distinct hypotheses. A corpus entry equal to a query's own text is never relevant to it (it is
     * left out of that query's ranking by the evaluator, as MTEB leaves out a query's own id).
     */
    public Dataset build(List<LabelledPair> pairs, java.util.function.UnaryOperator<String> prepare) {
        Map<String, Integer> corpusIndex = new LinkedHashMap<>();
        Map<String, Set<Integer>> relevantByQuery = new LinkedHashMap<>();
        for (LabelledPair p : pairs) {
            String premise = prepare.apply(p.premise()), hypothesis = prepare.apply(p.hypothesis());
            int doc = corpusIndex.computeIfAbsent(hypothesis, h -> corpusIndex.size());
            Set<Integer> rel = relevantByQuery.computeIfAbsent(premise, q -> new LinkedHashSet<>());
            if (p.entails() && !hypothesis.equals(premise)) rel.add(doc);
        }
        List<String> queries = new ArrayList<>();
        List<Set<Integer>> relevant = new ArrayList<>();
        int without = 0;
        for (Map.Entry<String, Set<Integer>> e : relevantByQuery.entrySet()) {
            if (e.getValue().isEmpty()) {
                without++;
                continue;
            }
            queries.add(e.getKey());
            relevant.add(Set.copyOf(e.getValue()));
        }
        return new Dataset(this, queries, List.copyOf(corpusIndex.keySet()), relevant, without);
    }

    /** SNLI's aligned {@code s1.SPLIT}, {@code s2.SPLIT}, {@code labels.SPLIT}; rows labelled '-' (no consensus) are skipped. */
    static List<LabelledPair> readSnli(Path dir, String split) {
        Path s1File = dir.resolve("s1." + split), s2File = dir.resolve("s2." + split), labelFile = dir.resolve("labels." + split);
        List<String> s1 = DataFiles.readLines(s1File, StandardCharsets.UTF_8);
        List<String> s2 = DataFiles.readLines(s2File, StandardCharsets.UTF_8);
        List<String> labels = DataFiles.readLines(labelFile, StandardCharsets.UTF_8);
        if (s1.size() != s2.size() || s1.size() != labels.size()) {
            throw new DatasetException(labelFile, "has " + labels.size() + " lines but " + s1File.getFileName() + " has " + s1.size()
                    + " and " + s2File.getFileName() + " " + s2.size() + "; the three files must be aligned line by line");
        }
        List<LabelledPair> pairs = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i).strip();
            switch (label) {
                case "entailment", "neutral", "contradiction" -> pairs.add(new LabelledPair(s1.get(i), s2.get(i), label.equals("entailment")));
                case "-", "" -> { } // no gold label
                default -> throw new DatasetException(labelFile, i + 1, "label '" + label
                        + "' is not entailment, neutral, contradiction or '-'");
            }
        }
        return pairs;
    }

    /** SICK's {@code pair_ID sentence_A sentence_B relatedness_score entailment_judgment} rows. */
    static List<LabelledPair> readSick(Path file) {
        List<String> lines = DataFiles.readLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().startsWith("pair_ID\t")) {
            throw new DatasetException(file, 1, "expected the SICK header row starting with 'pair_ID<TAB>sentence_A'");
        }
        List<LabelledPair> pairs = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] f = lines.get(i).split("\t", -1);
            if (f.length < 5) {
                throw new DatasetException(file, i + 1, "expected pair_ID, sentence_A, sentence_B, relatedness_score,"
                        + " entailment_judgment separated by tabs, found " + f.length + " field(s)");
            }
            String judgment = f[4].strip().toUpperCase(Locale.ROOT);
            if (!Set.of("ENTAILMENT", "NEUTRAL", "CONTRADICTION").contains(judgment)) {
                throw new DatasetException(file, i + 1, "entailment_judgment '" + f[4] + "' is not ENTAILMENT, NEUTRAL or CONTRADICTION");
            }
            pairs.add(new LabelledPair(f[1], f[2], judgment.equals("ENTAILMENT")));
        }
        return pairs;
    }

    /** Tasks named in a comma-separated list of {@link #cliName}s; {@code retrieval} stands for all of them. */
    public static List<RetrievalTask> parse(String list) {
        return TaskNames.parse(list, values(), t -> t.cliName, "retrieval", "retrieval");
    }
}
