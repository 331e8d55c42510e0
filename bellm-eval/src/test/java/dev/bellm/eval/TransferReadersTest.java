package dev.bellm.eval;

import dev.bellm.SharedData;
import dev.bellm.eval.TransferDataset.Example;
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
class TransferReadersTest {
    private static final Path DATA = DataFiles.defaultDataDir();

    /** SentEval's sizes (its paper's table 1); label-1 counts from `wc -l` / `cut | uniq -c` on the files. */
    @ParameterizedTest
    @CsvSource({"MR, 10662, 0, 0, 5331", "CR, 3775, 0, 0, 2407", "SUBJ, 10000, 0, 0, 5000", "MPQA, 10606, 0, 0, 3312",
            "SST2, 67349, 872, 1821, -1", "TREC, 5452, 0, 500, -1", "MRPC, 4076, 0, 1725, 2753"})
    void readsSentEvalsExampleCounts(TransferTask task, int train, int dev, int test, int positivesInTrain) {
        TransferDataset d = task.load(DATA);
        assertEquals(train, d.train().size());
        assertEquals(dev, d.dev().size());
        assertEquals(test, d.test().size());
        if (positivesInTrain >= 0) {
            assertEquals(positivesInTrain, d.train().stream().filter(e -> e.label() == 1).count());
        }
    }

    @Test
    void sstLabelsAndTrecClassesAreRead() {
        // sentiment-test: 912 negative, 909 positive (cut -f2 | uniq -c)
        assertEquals(909, TransferTask.SST2.load(DATA).test().stream().filter(e -> e.label() == 1).count());
        // TREC_10.label coarse classes: ABBR 9, DESC 138, ENTY 94, HUM 65, LOC 81, NUM 113
        List<Example> trecTest = TransferTask.TREC.load(DATA).test();
        int[] perClass = new int[6];
        trecTest.forEach(e -> perClass[e.label()]++);
        assertEquals(List.of(9, 138, 94, 65, 81, 113), java.util.Arrays.stream(perClass).boxed().toList());
        assertEquals(new Example(List.of("How far is it from Denver to Aspen ?"), TransferReaders.TREC_CLASSES.indexOf("NUM")),
                trecTest.getFirst());
    }

    @Test
    void mrpcPairsKeepBothSentences() {
        Example first = TransferTask.MRPC.load(DATA).test().getFirst();
        assertEquals(1, first.label());
        assertEquals(2, first.texts().size());
        assertTrue(first.texts().getFirst().startsWith("PCCW 's chief operating officer , Mike Butcher"), first.texts().getFirst());
    }

    @Test
    void malformedFilesAreNamedByLine(@TempDir Path dir) throws IOException {
        Path sst = dir.resolve("sentiment-test");
        Files.writeString(sst, "good film \t1\nbad film \t2\n");
        var e = assertThrows(DatasetException.class, () -> TransferReaders.readSst(sst));
        assertTrue(e.getMessage().startsWith(sst + ":2:"), e.getMessage());

        Path trec = dir.resolve("TREC_10.label");
        Files.writeString(trec, "NUM:dist How far ?\nWHAT:x Why ?\n");
        e = assertThrows(DatasetException.class, () -> TransferReaders.readTrec(trec));
        assertTrue(e.getMessage().startsWith(trec + ":2:"), e.getMessage());

        Path mrpc = dir.resolve("msr_paraphrase_test.txt");
        Files.writeString(mrpc, "1\t1\t2\ta\tb\n");
        e = assertThrows(DatasetException.class, () -> TransferReaders.readMrpc(mrpc));
        assertTrue(e.getMessage().startsWith(mrpc + ":1:"), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        var e = assertThrows(DatasetException.class, () -> TransferTask.MR.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("transfer/MR/rt-polarity.pos").toString()), e.getMessage());
    }

    @Test
    void taskListsAcceptTheTransferAlias() {
        assertEquals(List.of(TransferTask.values()), TransferTask.parse("transfer"));
        assertEquals(List.of(TransferTask.SST2, TransferTask.MR), TransferTask.parse("sst2,mr"));
        assertThrows(IllegalArgumentException.class, () -> TransferTask.parse("sst5"));
    }
}
