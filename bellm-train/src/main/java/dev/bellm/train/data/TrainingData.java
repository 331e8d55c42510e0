package dev.bellm.train.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.io.AtomicFiles;
import dev.bellm.io.TextLines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Training sets: AnglE's JSON Lines files ({@link #read}, {@link #write}), builders that make them from the
 * shared data sets ({@link #snli}, {@link #sickTrain}, {@link #stsbTrain}, or by name with {@link #builder}),
 * and the conversion of triplets to scored pairs. A training set holds one kind of {@link Example}.
 *
 * <p>The builders take the data directory that holds {@code data/} (normally {@code DataDirectory.root()}).
 * Malformed input fails with a {@link TrainingDataException} whose message starts with the file and the
 * 1-based line; a file that cannot be read fails with an {@link UncheckedIOException} naming it.
 */
public final class TrainingData {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final List<String> TRIPLET_FIELDS = List.of("text", "positive", "negative");
    private static final List<String> PAIR_FIELDS = List.of("text1", "text2", "label");

    /** SICK's relatedness scores run from 1 to 5, STS Benchmark's from 0 to 5. */
    private static final double SICK_LOWEST = 1, SICK_HIGHEST = 5, STSB_LOWEST = 0, STSB_HIGHEST = 5;

    /** The named training sets, in the order {@link #names()} lists them. */
    private static final Map<String, Function<Path, List<Example>>> BUILDERS = namedBuilders();

    private TrainingData() {}

    // ---------------------------------------------------------------- JSON Lines

    /**
     * Reads AnglE's JSON Lines: one object per line, either {@code {"text", "positive", "negative"}} (all
     * strings) or {@code {"text1", "text2", "label"}} (label a number). Blank lines are skipped, other fields
     * ignored; every row must be of the kind of the first.
     */
    public static List<Example> read(Path jsonl) {
        if (!Files.isRegularFile(jsonl)) {
            NoSuchFileException e = new NoSuchFileException(jsonl.toString());
            throw new UncheckedIOException("cannot read training data " + jsonl + ": " + e, e);
        }
        List<String> lines;
        try {
            lines = TextLines.read(jsonl); // strict UTF-8: a bad byte names the file and line
        } catch (IllegalArgumentException e) {
            throw new TrainingDataException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot read training data " + jsonl + ": " + e.getCause(), e.getCause());
        }
        List<Example> examples = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = lines.get(i);
            if (line.isBlank()) continue;
            Example example;
            try {
                example = parseRow(line);
            } catch (IllegalArgumentException e) {
                throw new TrainingDataException(jsonl + ":" + lineNumber + ": " + e.getMessage(), e);
            }
            if (!examples.isEmpty() && example.getClass() != examples.getFirst().getClass()) {
                throw new TrainingDataException(jsonl + ":" + lineNumber + ": a " + kind(example) + " in a file of "
                        + kind(examples.getFirst()) + "s (line " + lineNumbers.getFirst() + "); a file holds one kind of example");
            }
            examples.add(example);
            lineNumbers.add(lineNumber);
        }
        return new SourcedExamples(examples, jsonl, lineNumbers.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Where example {@code index} of {@code data} came from, for messages: {@code FILE:LINE} for a set {@link #read} from
     * a file (or built from the shared data), else {@code example INDEX}.
     */
    public static String where(List<? extends Example> data, int index) {
        return data instanceof SourcedExamples sourced ? sourced.where(index) : "example " + index;
    }

    /** Examples that remember their file and line, so that checks made later (by the trainer) can name them. */
    private static final class SourcedExamples extends AbstractList<Example> implements RandomAccess {
        private final List<Example> examples;
        private final Path file;
        private final int[] lines;

        SourcedExamples(List<Example> examples, Path file, int[] lines) {
            this.examples = List.copyOf(examples);
            this.file = file;
            this.lines = lines;
        }

        @Override
        public Example get(int index) {
            return examples.get(index);
        }

        @Override
        public int size() {
            return examples.size();
        }

        String where(int index) {
            return file + ":" + lines[index];
        }
    }

    /**
     * Writes {@code examples} (one kind) as AnglE's JSON Lines. The file is written beside the target under a
     * temporary name and renamed over it, so a reader never sees half a file.
     */
    public static void write(Path jsonl, List<? extends Example> examples) {
        requireOneKind(examples);
        try {
            AtomicFiles.write(jsonl, out -> {
                for (Example example : examples) {
                    out.write(JSON.writeValueAsBytes(toJson(example)));
                    out.write('\n');
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training data " + jsonl + ": " + e, e);
        }
    }

    private static Example parseRow(String line) {
        JsonNode row;
        try {
            row = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (!row.isObject()) throw new IllegalArgumentException("expected a JSON object, found " + describe(row));
        boolean tripletFields = TRIPLET_FIELDS.stream().anyMatch(row::has);
        boolean pairFields = PAIR_FIELDS.stream().anyMatch(row::has);
        if (tripletFields && pairFields) {
            throw new IllegalArgumentException("mixes triplet fields " + TRIPLET_FIELDS + " with scored-pair fields " + PAIR_FIELDS);
        }
        if (tripletFields) return new Triplet(text(row, "text"), text(row, "positive"), text(row, "negative"));
        if (pairFields) return new ScoredPair(text(row, "text1"), text(row, "text2"), label(row));
        throw new IllegalArgumentException("has neither the triplet fields " + TRIPLET_FIELDS + " nor the scored-pair fields " + PAIR_FIELDS);
    }

    private static String text(JsonNode row, String field) {
        JsonNode value = row.get(field);
        if (value == null) throw new IllegalArgumentException("missing field '" + field + "'");
        if (!value.isTextual()) throw new IllegalArgumentException("field '" + field + "' must be a string, found " + describe(value));
        return value.textValue();
    }

    private static double label(JsonNode row) {
        JsonNode value = row.get("label");
        if (value == null) throw new IllegalArgumentException("missing field 'label'");
        if (!value.isNumber()) throw new IllegalArgumentException("field 'label' must be a number, found " + describe(value));
        return value.doubleValue();
    }

    /** The JSON type and (shortened) value, for error messages. */
    private static String describe(JsonNode value) {
        String json = value.toString();
        if (json.length() > 40) json = json.substring(0, 37) + "...";
        return value.getNodeType().name().toLowerCase() + " " + json;
    }

    private static ObjectNode toJson(Example example) {
        ObjectNode row = JSON.createObjectNode();
        switch (example) {
            case Triplet t -> row.put("text", t.text()).put("positive", t.positive()).put("negative", t.negative());
            case ScoredPair p -> row.put("text1", p.text1()).put("text2", p.text2()).put("label", p.label());
        }
        return row;
    }

    private static String kind(Example example) {
        return switch (example) {
            case Triplet t -> "triplet";
            case ScoredPair p -> "scored pair";
        };
    }

    private static void requireOneKind(List<? extends Example> examples) {
        for (int i = 1; i < examples.size(); i++) {
            if (examples.get(i).getClass() != examples.getFirst().getClass()) {
                throw new IllegalArgumentException("example 0 is a " + kind(examples.getFirst()) + " but example " + i + " a "
                        + kind(examples.get(i)) + "; a training set holds one kind (see toScoredPairs)");
            }
        }
    }

    // ---------------------------------------------------------------- named sets

    /** The names {@link #builder} accepts. */
    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    /**
     * The training set called {@code name}, built from {@code dataDir} when the supplier is called (the name is
     * checked now, so a typo fails before any expensive setup):
     * <ul>
     *   <li>{@code snli-dev}, {@code snli-test}, {@code snli} (dev then test): triplets, see {@link #snli};
     *   <li>{@code sick-train}, {@code stsb-train}: scored pairs with the files' own scores;
     *   <li>{@code nli+sts}: scored pairs: the {@code snli} triplets as pairs labelled 1 and 0, then SICK train
     *       and STS-B train with their scores rescaled to [0, 1].
     * </ul>
     */
    public static Supplier<List<Example>> builder(String name, Path dataDir) {
        Function<Path, List<Example>> build = BUILDERS.get(name);
        if (build == null) {
            throw new IllegalArgumentException("unknown training data '" + name + "'; valid names: " + String.join(", ", names()));
        }
        return () -> build.apply(dataDir);
    }

    private static Map<String, Function<Path, List<Example>>> namedBuilders() {
        Map<String, Function<Path, List<Example>>> builders = new LinkedHashMap<>();
        builders.put("snli-dev", dir -> snli(dir, "dev"));
        builders.put("snli-test", dir -> snli(dir, "test"));
        builders.put("snli", TrainingData::snliDevAndTest);
        builders.put("sick-train", TrainingData::sickTrain);
        builders.put("stsb-train", TrainingData::stsbTrain);
        builders.put("nli+sts", dir -> concat(
                toScoredPairs(snliDevAndTest(dir)),
                toScoredPairs(sickTrain(dir), SICK_LOWEST, SICK_HIGHEST),
                toScoredPairs(stsbTrain(dir), STSB_LOWEST, STSB_HIGHEST)));
        return Collections.unmodifiableMap(builders);
    }

    private static List<Example> snliDevAndTest(Path dataDir) {
        return concat(snli(dataDir, "dev"), snli(dataDir, "test"));
    }

    @SafeVarargs
    private static List<Example> concat(List<Example>... parts) {
        List<Example> all = new ArrayList<>();
        for (List<Example> part : parts) all.addAll(part);
        return all;
    }

    // ---------------------------------------------------------------- shared data sets

    /**
     * Triplets from SNLI's {@code data/nli/s1.SPLIT}, {@code s2.SPLIT} and {@code labels.SPLIT} (aligned lines:
     * premise, hypothesis, label). Rows are grouped by premise, in order of first appearance; a premise's
     * k-th entailed hypothesis is the positive and its k-th contradicting one the negative, for k below the
     * smaller of the two counts. So every hypothesis is used at most once, extra entailments or contradictions
     * of a premise are left out, and premises lacking either give nothing. Neutral rows are not used.
     * Sentences are stripped of surrounding spaces.
     *
     * @param split {@code dev} or {@code test}
     */
    public static List<Example> snli(Path dataDir, String split) {
        if (!split.equals("dev") && !split.equals("test")) {
            throw new IllegalArgumentException("SNLI split '" + split + "' is not one of dev, test");
        }
        Path dir = dataDir.resolve("data").resolve("nli");
        Path premisesFile = dir.resolve("s1." + split);
        Path hypothesesFile = dir.resolve("s2." + split);
        Path labelsFile = dir.resolve("labels." + split);
        List<String> premises = readLines(premisesFile);
        List<String> hypotheses = readLines(hypothesesFile);
        List<String> labels = readLines(labelsFile);
        if (hypotheses.size() != premises.size() || labels.size() != premises.size()) {
            throw new TrainingDataException("SNLI files are not aligned: " + premisesFile + " has " + premises.size() + " lines, "
                    + hypothesesFile + " " + hypotheses.size() + ", " + labelsFile + " " + labels.size());
        }
        Map<String, Hypotheses> byPremise = new LinkedHashMap<>();
        for (int i = 0; i < premises.size(); i++) {
            String premise = sentence(premisesFile, i, premises.get(i));
            String hypothesis = sentence(hypothesesFile, i, hypotheses.get(i));
            Hypotheses ofPremise = byPremise.computeIfAbsent(premise, p -> new Hypotheses(new ArrayList<>(), new ArrayList<>()));
            switch (labels.get(i).strip()) {
                case "entailment" -> ofPremise.entailments().add(hypothesis);
                case "contradiction" -> ofPremise.contradictions().add(hypothesis);
                case "neutral" -> { }
                default -> throw new TrainingDataException(labelsFile + ":" + (i + 1) + ": label '" + labels.get(i)
                        + "' is not entailment, neutral or contradiction");
            }
        }
        List<Example> triplets = new ArrayList<>();
        byPremise.forEach((premise, ofPremise) -> {
            int count = Math.min(ofPremise.entailments().size(), ofPremise.contradictions().size());
            for (int k = 0; k < count; k++) {
                triplets.add(new Triplet(premise, ofPremise.entailments().get(k), ofPremise.contradictions().get(k)));
            }
        });
        return triplets;
    }

    private record Hypotheses(List<String> entailments, List<String> contradictions) {}

    /**
     * Scored pairs from {@code data/sts/SICK/SICK_train.txt}: tab-separated with a header row naming the
     * columns {@code sentence_A}, {@code sentence_B} and {@code relatedness_score} (1 to 5), which is the label.
     */
    public static List<Example> sickTrain(Path dataDir) {
        Path file = dataDir.resolve("data").resolve("sts").resolve("SICK").resolve("SICK_train.txt");
        List<String> lines = readLines(file);
        if (lines.isEmpty()) throw new TrainingDataException(file + ": empty; expected SICK's header row and pairs");
        List<String> header = List.of(lines.getFirst().strip().split("\t"));
        return tabSeparatedPairs(file, lines, 1, column(file, header, "sentence_A"), column(file, header, "sentence_B"),
                column(file, header, "relatedness_score"), SICK_LOWEST, SICK_HIGHEST);
    }

    /**
     * Scored pairs from {@code data/sts/STSBenchmark/sts-train.csv}: tab-separated without a header, the score
     * (0 to 5) in column 5 and the sentences in columns 6 and 7 (1-based); further columns are ignored.
     */
    public static List<Example> stsbTrain(Path dataDir) {
        Path file = dataDir.resolve("data").resolve("sts").resolve("STSBenchmark").resolve("sts-train.csv");
        return tabSeparatedPairs(file, readLines(file), 0, 5, 6, 4, STSB_LOWEST, STSB_HIGHEST);
    }

    private static int column(Path file, List<String> header, String name) {
        int index = header.indexOf(name);
        if (index < 0) throw new TrainingDataException(file + ":1: the header " + header + " has no column '" + name + "'");
        return index;
    }

    /**
     * Pairs from the lines from {@code firstRow} on (0-based column indices), each score in [{@code lowest},
     * {@code highest}]; blank lines are skipped.
     */
    private static List<Example> tabSeparatedPairs(Path file, List<String> lines, int firstRow, int text1Column, int text2Column,
                                                   int labelColumn, double lowest, double highest) {
        int columnsNeeded = 1 + Math.max(labelColumn, Math.max(text1Column, text2Column));
        List<Example> pairs = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int i = firstRow; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] cells = lines.get(i).split("\t", -1);
            if (cells.length < columnsNeeded) {
                throw new TrainingDataException(file + ":" + (i + 1) + ": " + cells.length + " tab-separated columns, expected at least "
                        + columnsNeeded);
            }
            double label = score(file, i, cells[labelColumn]);
            if (label < lowest || label > highest) {
                throw new TrainingDataException(file + ":" + (i + 1) + ": score " + label + " is outside this data set's range ["
                        + lowest + ", " + highest + "]");
            }
            pairs.add(new ScoredPair(sentence(file, i, cells[text1Column]), sentence(file, i, cells[text2Column]), label));
            lineNumbers.add(i + 1);
        }
        return new SourcedExamples(pairs, file, lineNumbers.stream().mapToInt(Integer::intValue).toArray());
    }

    private static double score(Path file, int lineIndex, String cell) {
        try {
            double score = Double.parseDouble(cell.strip());
            if (Double.isFinite(score)) return score;
        } catch (NumberFormatException notANumber) {
            // reported below, with the file and line
        }
        throw new TrainingDataException(file + ":" + (lineIndex + 1) + ": score '" + cell + "' is not a finite number");
    }

    /** A sentence without its surrounding spaces; an empty one is an error naming the file and line. */
    private static String sentence(Path file, int lineIndex, String cell) {
        String text = cell.strip();
        if (text.isEmpty()) throw new TrainingDataException(file + ":" + (lineIndex + 1) + ": empty sentence");
        return text;
    }

    private static List<String> readLines(Path file) {
        if (!Files.isRegularFile(file)) {
            NoSuchFileException e = new NoSuchFileException(file.toString());
            throw new UncheckedIOException("cannot read " + file + " (" + e + "); the data directory must hold data/nli and data/sts", e);
        }
        try {
            return TextLines.read(file); // strict UTF-8: a bad byte names the file and line
        } catch (IllegalArgumentException e) {
            throw new TrainingDataException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- conversion

    /** Each triplet becomes two pairs, (text, positive, 1) and (text, negative, 0); scored pairs are kept as they are. */
    public static List<Example> toScoredPairs(List<? extends Example> data) {
        return scoredPairs(data, (label, index) -> label);
    }

    /**
     * As {@link #toScoredPairs(List)}, but the labels of scored pairs are rescaled from [{@code lowest},
     * {@code highest}] to [0, 1]; a label outside that range is an error naming the pair's index.
     */
    public static List<Example> toScoredPairs(List<? extends Example> data, double lowest, double highest) {
        if (!(lowest < highest)) throw new IllegalArgumentException("label range [" + lowest + ", " + highest + "] is empty");
        return scoredPairs(data, (label, index) -> {
            if (label < lowest || label > highest) {
                throw new IllegalArgumentException("example " + index + " has label " + label + ", outside [" + lowest + ", " + highest + "]");
            }
            return (label - lowest) / (highest - lowest);
        });
    }

    /** What happens to a scored pair's label; {@code index} is the example's, for messages. */
    private interface LabelMapping {
        double apply(double label, int index);
    }

    private static List<Example> scoredPairs(List<? extends Example> data, LabelMapping mapping) {
        List<Example> pairs = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            switch (data.get(i)) {
                case Triplet t -> {
                    pairs.add(new ScoredPair(t.text(), t.positive(), 1));
                    pairs.add(new ScoredPair(t.text(), t.negative(), 0));
                }
                case ScoredPair p -> pairs.add(new ScoredPair(p.text1(), p.text2(), mapping.apply(p.label(), i)));
            }
        }
        return pairs;
    }
}
