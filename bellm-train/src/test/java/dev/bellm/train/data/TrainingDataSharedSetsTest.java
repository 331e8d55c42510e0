package dev.bellm.train.data;

import dev.bellm.SharedData;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The builders against the shared data files. Expected totals were counted outside this code: line counts
 * ({@code wc -l}) for SICK and STS-B, and a separate Python grouping for SNLI, which the test repeats with a
 * plain count over the raw lines.
 */
@SharedData
class TrainingDataSharedSetsTest {
    private static final Path DATA = DataDirectory.root();
    /** SNLI triplets under the documented pairing: per premise, min(#entailments, #contradictions). */
    private static final int SNLI_DEV_TRIPLETS = 2954, SNLI_TEST_TRIPLETS = 2929;
    /** {@code wc -l}: SICK_train.txt has 4501 lines with its header, sts-train.csv 5749 without one. */
    private static final int SICK_TRAIN_PAIRS = 4500, STSB_TRAIN_PAIRS = 5749;

    @Test
    void snliDevGivesOneTripletPerEntailmentContradictionCouple() throws IOException {
        List<Example> dev = TrainingData.snli(DATA, "dev");
        System.out.println("snli dev: 9842 pairs -> " + dev.size() + " triplets");
        assertEquals(SNLI_DEV_TRIPLETS, dev.size());
        assertEquals(countByPlainReading("dev"), dev.size());
        assertEquals(new Triplet("Two women are embracing while holding to go packages .", "Two woman are holding packages .",
                "The men are fighting outside a deli ."), dev.get(0));
        assertEquals(new Triplet("A man selling donuts to a customer during a world exhibition event held in the city of Angeles",
                "A man selling donuts to a customer .", "A woman drinks her coffee in a small cafe ."), dev.get(2));
        assertTripletsComeFromLabelledRows(dev, "dev");
    }

    @Test
    void snliTestGivesOneTripletPerEntailmentContradictionCouple() throws IOException {
        List<Example> test = TrainingData.snli(DATA, "test");
        System.out.println("snli test: 9824 pairs -> " + test.size() + " triplets");
        assertEquals(SNLI_TEST_TRIPLETS, test.size());
        assertEquals(countByPlainReading("test"), test.size());
        assertTripletsComeFromLabelledRows(test, "test");
    }

    @Test
    void snliRefusesAnUnknownSplit() {
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.snli(DATA, "train"));
        assertTrue(error.getMessage().contains("'train'"), error.getMessage());
    }

    @Test
    void sickTrainHasEveryRowBelowTheHeader() {
        List<Example> sick = TrainingData.sickTrain(DATA);
        assertEquals(SICK_TRAIN_PAIRS, sick.size());
        assertEquals(new ScoredPair("A group of kids is playing in a yard and an old man is standing in the background",
                "A group of boys in a yard is playing and a man is standing in the background", 4.5), sick.getFirst());
        assertEquals(new ScoredPair("Three dogs are resting on a sidewalk", "The woman with a knife is slicing a pepper", 1),
                sick.getLast());
        assertLabelsWithin(sick, 1, 5);
    }

    @Test
    void stsbTrainHasEveryRow() {
        List<Example> stsb = TrainingData.stsbTrain(DATA);
        assertEquals(STSB_TRAIN_PAIRS, stsb.size());
        assertEquals(new ScoredPair("a plane is taking off .", "an air plane is taking off .", 5), stsb.getFirst());
        assertEquals(new ScoredPair("putin spokesman : doping charges appear unfounded",
                "the latest on severe weather : 1 dead in texas after tornado", 0), stsb.getLast());
        assertLabelsWithin(stsb, 0, 5);
    }

    @Test
    void namedSetsAreTheBuildersAndTheirCombinations() {
        assertEquals(SNLI_DEV_TRIPLETS, TrainingData.builder("snli-dev", DATA).get().size());
        assertEquals(SNLI_TEST_TRIPLETS, TrainingData.builder("snli-test", DATA).get().size());
        assertEquals(SNLI_DEV_TRIPLETS + SNLI_TEST_TRIPLETS, TrainingData.builder("snli", DATA).get().size());
        assertEquals(SICK_TRAIN_PAIRS, TrainingData.builder("sick-train", DATA).get().size());
        assertEquals(STSB_TRAIN_PAIRS, TrainingData.builder("stsb-train", DATA).get().size());
    }

    @Test
    void nliPlusStsIsScoredPairsWithLabelsInTheUnitRange() {
        List<Example> all = TrainingData.builder("nli+sts", DATA).get();
        int nliPairs = 2 * (SNLI_DEV_TRIPLETS + SNLI_TEST_TRIPLETS);
        System.out.println("nli+sts: " + all.size() + " scored pairs");
        assertEquals(nliPairs + SICK_TRAIN_PAIRS + STSB_TRAIN_PAIRS, all.size());
        assertEquals(new ScoredPair("Two women are embracing while holding to go packages .", "Two woman are holding packages .", 1),
                all.get(0));
        assertEquals(new ScoredPair("Two women are embracing while holding to go packages .", "The men are fighting outside a deli .", 0),
                all.get(1));
        // SICK's first score 4.5 on [1, 5] and STS-B's first 5 on [0, 5], rescaled by hand
        assertEquals(0.875, ((ScoredPair) all.get(nliPairs)).label(), 1e-12);
        assertEquals(1.0, ((ScoredPair) all.get(nliPairs + SICK_TRAIN_PAIRS)).label(), 1e-12);
        assertLabelsWithin(all, 0, 1);
    }

    @Test
    void anUnknownNameFailsAtOnceListingTheValidOnes() {
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.builder("snli-train", DATA));
        for (String name : List.of("snli-dev", "snli-test", "snli", "sick-train", "stsb-train", "nli+sts")) {
            assertTrue(error.getMessage().contains(name), error.getMessage());
        }
        assertEquals(List.of("snli-dev", "snli-test", "snli", "sick-train", "stsb-train", "nli+sts"), TrainingData.names());
    }

    // ------------------------------------------------------------ malformed copies in a temporary data directory

    @Test
    void misalignedSnliFilesAreRefusedNamingThem(@TempDir Path dir) throws IOException {
        Path nli = Files.createDirectories(dir.resolve("data/nli"));
        Files.writeString(nli.resolve("s1.dev"), "a premise\na premise\n");
        Files.writeString(nli.resolve("s2.dev"), "it follows\n");
        Files.writeString(nli.resolve("labels.dev"), "entailment\ncontradiction\n");
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.snli(dir, "dev"));
        assertTrue(error.getMessage().contains(nli.resolve("s2.dev") + " 1"), error.getMessage());
    }

    @Test
    void anUnknownSnliLabelIsReportedWithItsLine(@TempDir Path dir) throws IOException {
        Path nli = Files.createDirectories(dir.resolve("data/nli"));
        Files.writeString(nli.resolve("s1.test"), "p\np\np\n");
        Files.writeString(nli.resolve("s2.test"), "e\nc\nx\n");
        Files.writeString(nli.resolve("labels.test"), "entailment\ncontradiction\n-\n");
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.snli(dir, "test"));
        assertTrue(error.getMessage().startsWith(nli.resolve("labels.test") + ":3: label '-'"), error.getMessage());
    }

    @Test
    void snliPairsEntailmentsWithContradictionsInOrderAndSkipsIncompletePremises(@TempDir Path dir) throws IOException {
        Path nli = Files.createDirectories(dir.resolve("data/nli"));
        Files.writeString(nli.resolve("s1.dev"), "p \nq\np\np\nq\nr\np\n");
        Files.writeString(nli.resolve("s2.dev"), "e1\nqn\nc1\nn1\nqe\nre\ne2\n");
        Files.writeString(nli.resolve("labels.dev"), "entailment\nneutral\ncontradiction\nneutral\nentailment\nentailment\nentailment\n");
        // p: entailments e1, e2 and one contradiction c1 -> one triplet; q and r have no contradiction -> none
        assertEquals(List.of(new Triplet("p", "e1", "c1")), TrainingData.snli(dir, "dev"));
    }

    @Test
    void stsbIgnoresExtraColumnsAndReportsShortRowsAndBadScores(@TempDir Path dir) throws IOException {
        Path sts = Files.createDirectories(dir.resolve("data/sts/STSBenchmark"));
        Path file = sts.resolve("sts-train.csv");
        Files.writeString(file, "g\tf\ty\t1\t2.5\tone\ttwo\textra\tmore\n\ng\tf\ty\t2\t4\tthree\tfour\n");
        assertEquals(List.of(new ScoredPair("one", "two", 2.5), new ScoredPair("three", "four", 4)), TrainingData.stsbTrain(dir));

        Files.writeString(file, "g\tf\ty\t1\t2.5\tone\ttwo\ng\tf\ty\t2\t4\tthree\n");
        var shortRow = assertThrows(IllegalArgumentException.class, () -> TrainingData.stsbTrain(dir));
        assertTrue(shortRow.getMessage().startsWith(file + ":2: 6 tab-separated columns, expected at least 7"), shortRow.getMessage());

        Files.writeString(file, "g\tf\ty\t1\tNaN\tone\ttwo\n");
        var badScore = assertThrows(IllegalArgumentException.class, () -> TrainingData.stsbTrain(dir));
        assertTrue(badScore.getMessage().startsWith(file + ":1: score 'NaN' is not a finite number"), badScore.getMessage());

        Files.writeString(file, "g\tf\ty\t1\t3\t \ttwo\n");
        var empty = assertThrows(IllegalArgumentException.class, () -> TrainingData.stsbTrain(dir));
        assertTrue(empty.getMessage().startsWith(file + ":1: empty sentence"), empty.getMessage());
    }

    @Test
    void sickFindsItsColumnsByTheHeaderAndAcceptsCrlf(@TempDir Path dir) throws IOException {
        Path sick = Files.createDirectories(dir.resolve("data/sts/SICK"));
        Path file = sick.resolve("SICK_train.txt");
        Files.writeString(file, "relatedness_score\tpair_ID\tsentence_B\tsentence_A\r\n3.6\t1\tsecond\tfirst\r\n");
        assertEquals(List.of(new ScoredPair("first", "second", 3.6)), TrainingData.sickTrain(dir));

        Files.writeString(file, "pair_ID\tsentence_A\tsentence_B\tscore\n1\ta\tb\t3\n");
        var error = assertThrows(IllegalArgumentException.class, () -> TrainingData.sickTrain(dir));
        assertTrue(error.getMessage().startsWith(file + ":1: ") && error.getMessage().contains("'relatedness_score'"),
                error.getMessage());
    }

    @Test
    void aMissingDataDirectoryIsNamed(@TempDir Path dir) {
        var error = assertThrows(java.io.UncheckedIOException.class, () -> TrainingData.sickTrain(dir));
        assertTrue(error.getMessage().contains(dir.resolve("data/sts/SICK/SICK_train.txt").toString()), error.getMessage());
    }

    // ------------------------------------------------------------ independent readings of the raw SNLI files

    /** Sum over premises of min(entailments, contradictions), counted straight from the raw lines. */
    private static int countByPlainReading(String split) throws IOException {
        List<String> premises = Files.readAllLines(DATA.resolve("data/nli/s1." + split));
        List<String> labels = Files.readAllLines(DATA.resolve("data/nli/labels." + split));
        Map<String, int[]> counts = new HashMap<>();
        for (int i = 0; i < premises.size(); i++) {
            int[] entailmentsAndContradictions = counts.computeIfAbsent(premises.get(i).trim(), p -> new int[2]);
            if (labels.get(i).equals("entailment")) entailmentsAndContradictions[0]++;
            if (labels.get(i).equals("contradiction")) entailmentsAndContradictions[1]++;
        }
        return counts.values().stream().mapToInt(c -> Math.min(c[0], c[1])).sum();
    }

    /**
     * Every positive is an entailment row of its premise and every negative a contradiction row, each row used
     * at most as often as it occurs (SNLI repeats a few rows).
     */
    private static void assertTripletsComeFromLabelledRows(List<Example> triplets, String split) throws IOException {
        List<String> premises = Files.readAllLines(DATA.resolve("data/nli/s1." + split));
        List<String> hypotheses = Files.readAllLines(DATA.resolve("data/nli/s2." + split));
        List<String> labels = Files.readAllLines(DATA.resolve("data/nli/labels." + split));
        Map<String, Integer> unusedRows = new HashMap<>();
        for (int i = 0; i < premises.size(); i++) {
            unusedRows.merge(premises.get(i).trim() + "\t" + hypotheses.get(i).trim() + "\t" + labels.get(i), 1, Integer::sum);
        }
        for (Example example : triplets) {
            Triplet t = (Triplet) example;
            for (String row : List.of(t.text() + "\t" + t.positive() + "\tentailment", t.text() + "\t" + t.negative() + "\tcontradiction")) {
                int left = unusedRows.getOrDefault(row, 0);
                assertTrue(left > 0, "not a row, or used too often: " + row);
                unusedRows.put(row, left - 1);
            }
        }
    }

    private static void assertLabelsWithin(List<Example> pairs, double lowest, double highest) {
        for (Example example : pairs) {
            double label = ((ScoredPair) example).label();
            assertTrue(label >= lowest && label <= highest, example.toString());
        }
    }
}
