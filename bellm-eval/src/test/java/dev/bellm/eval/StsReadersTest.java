package dev.bellm.eval;

import dev.bellm.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class StsReadersTest {
    private static final Path DATA = DataFiles.defaultDataDir();

    /** The pair counts every STS paper reports (SentEval's numbers). */
    @ParameterizedTest
    @CsvSource({"STS12, test, 3108", "STS13, test, 1500", "STS14, test, 3750", "STS15, test, 3000", "STS16, test, 1186",
            "STSB, test, 1379", "STSB, dev, 1500", "STSB, train, 5749", "SICKR, test, 4927", "SICKR, train, 4500",
            "SICKR, trial, 500"})
    void readsTheKnownNumberOfScoredPairs(StsTask task, String split, int pairs) {
        assertEquals(pairs, task.load(DATA, split).size());
    }

    @Test
    void subsetsKeepTheirNamesAndEmptyGoldLinesAreSkipped() {
        List<ScoredPair> sts15 = StsTask.STS15.load(DATA, "test");
        // STS.gs.answers-forums.txt has 2000 lines of which 375 hold a score (grep -c . on the file).
        assertEquals(375, sts15.stream().filter(p -> p.subset().equals("answers-forums")).count());
        // STS13's SMT subset has gold scores but no input file in SentEval's release: it is not part of STS13.
        assertTrue(StsTask.STS13.load(DATA, "test").stream().noneMatch(p -> p.subset().equals("SMT")));
    }

    @Test
    void fieldsLandInTheRightPlaces() {
        ScoredPair msrpar = StsTask.STS12.load(DATA, "test").getFirst();
        assertEquals(new ScoredPair("MSRpar",
                "the problem likely will mean corrective changes before the shuttle fleet starts flying again .",
                "he said the problem needs to be corrected before the space shuttle fleet is cleared to fly again .", 4.4), msrpar);
        assertEquals(new ScoredPair("test", "a girl is styling her hair .", "a girl is brushing her hair .", 2.5),
                StsTask.STSB.load(DATA, "test").getFirst());
        // SICK test has CRLF line ends and a header row.
        assertEquals(new ScoredPair("test", "There is no boy playing outdoors and there is no man smiling",
                "A group of kids is playing in a yard and an old man is standing in the background", 3.3),
                StsTask.SICKR.load(DATA, "test").getFirst());
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        var e = assertThrows(DatasetException.class, () -> StsTask.STS12.load(dir, "test"));
        assertTrue(e.getMessage().contains(dir.resolve("sts/STS12-en-test/STS.input.MSRpar.txt").toString()), e.getMessage());
    }

    @Test
    void anInputLineWithoutTwoSentencesIsNamedByLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("STS.input.x.txt"), "a\tb\nno tab here\n");
        Files.writeString(dir.resolve("STS.gs.x.txt"), "1\n2\n");
        var e = assertThrows(DatasetException.class, () -> StsReaders.readStsSubset(dir, "x"));
        assertTrue(e.getMessage().startsWith(dir.resolve("STS.input.x.txt") + ":2:"), e.getMessage());
    }

    @Test
    void aBadGoldScoreIsNamedByLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("STS.input.x.txt"), "a\tb\nc\td\ne\tf\n");
        Files.writeString(dir.resolve("STS.gs.x.txt"), "1\n\nfive\n");
        var e = assertThrows(DatasetException.class, () -> StsReaders.readStsSubset(dir, "x"));
        assertTrue(e.getMessage().startsWith(dir.resolve("STS.gs.x.txt") + ":3:"), e.getMessage());
        assertTrue(e.getMessage().contains("'five'"), e.getMessage());
    }

    @Test
    void goldAndInputOfDifferentLengthsAreRefused(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("STS.input.x.txt"), "a\tb\nc\td\n");
        Files.writeString(dir.resolve("STS.gs.x.txt"), "1\n");
        var e = assertThrows(DatasetException.class, () -> StsReaders.readStsSubset(dir, "x"));
        assertTrue(e.getMessage().contains("1 lines but STS.input.x.txt has 2"), e.getMessage());
    }

    @Test
    void stsBenchmarkRowsNeedSevenColumnsAndAScoreInRange(@TempDir Path dir) throws IOException {
        Path shortRow = dir.resolve("short.csv");
        Files.writeString(shortRow, "g\tf\ty\t1\t3.0\ta\tb\nmain\tf\t2012\t2\t4.0\tonly one sentence\n");
        var e = assertThrows(DatasetException.class, () -> StsReaders.readStsBenchmark(shortRow, "test"));
        assertTrue(e.getMessage().startsWith(shortRow + ":2:"), e.getMessage());

        Path shifted = dir.resolve("shifted.csv");
        Files.writeString(shifted, "g\tf\ty\t2012\ta\tb\tc\n");
        assertThrows(DatasetException.class, () -> StsReaders.readStsBenchmark(shifted, "test"));

        Path extra = dir.resolve("extra.csv");
        Files.writeString(extra, "g\tf\ty\t1\t3.0\ta\tb\tsource1\tsource2\n");
        assertEquals(List.of(new ScoredPair("test", "a", "b", 3.0)), StsReaders.readStsBenchmark(extra, "test"));
    }

    @Test
    void sickNeedsItsHeader(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("SICK_test_annotated.txt");
        Files.writeString(file, "1\ta\tb\t3.5\tNEUTRAL\r\n");
        var e = assertThrows(DatasetException.class, () -> StsReaders.readSick(file, "test"));
        assertTrue(e.getMessage().startsWith(file + ":1:"), e.getMessage());
    }

    @Test
    void unknownSplitsAndTaskNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> StsTask.STS12.load(DATA, "dev"));
        var e = assertThrows(IllegalArgumentException.class, () -> StsTask.parse("sts12,sts17"));
        assertTrue(e.getMessage().contains("sts17"), e.getMessage());
    }

    @Test
    void taskListsKeepOrderAndTheAliasMeansAllSeven() {
        assertEquals(List.of(StsTask.STSB, StsTask.STS12), StsTask.parse(" stsb, STS12 ,stsb"));
        assertEquals(List.of(StsTask.values()), StsTask.parse("sts"));
    }
}
