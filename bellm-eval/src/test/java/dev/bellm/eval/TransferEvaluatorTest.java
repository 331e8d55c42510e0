package dev.bellm.eval;

import dev.bellm.SharedData;
import dev.bellm.eval.TransferDataset.Example;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class TransferEvaluatorTest {
    private static final Path DATA = DataFiles.defaultDataDir();

    @Test
    void pairFeaturesAreBothVectorsTheirDistanceAndProduct() {
        SentenceEncoder fixed = sentences -> sentences.stream()
                .map(s -> s.equals("u") ? new float[] {1, -2} : new float[] {3, 0.5f}).toArray(float[][]::new);
        SentenceEmbeddings e = SentenceEmbeddings.encode(fixed, List.of("u", "v"), 8, ProgressListener.NONE);
        float[][] x = TransferEvaluator.features(List.of(new Example(List.of("u", "v"), 1), new Example(List.of("v"), 0)), e);
        // [u, v, |u - v|, u * v] = [1, -2, 3, 0.5, |1-3|, |-2-0.5|, 1*3, -2*0.5]
        assertArrayEquals(new float[] {1, -2, 3, 0.5f, 2, 2.5f, 3, -1}, x[0]);
        assertArrayEquals(new float[] {3, 0.5f}, x[1]);
    }

    /** A small smoke run on real data: hashed bag of words separates subjective from objective sentences. */
    @Test
    void bagOfWordsOnSubjBeatsChance() {
        var recording = new TestEncoders.Recording(TestEncoders.bagOfWords(256));
        var options = new TransferOptions(List.of(TransferTask.SUBJ), new ProbeOptions(3, 2, List.of(1.0), 1111, 2), false, 4096);
        EvalResults r = new TransferEvaluator(DATA, options).evaluate(recording, "bow-256", Map.of(), ProgressListener.NONE);

        TransferResult subj = assertInstanceOf(TransferResult.class, r.tasks().get("SUBJ"));
        // SUBJ is balanced (5000/5000), so chance is 50; word identity is strongly informative here
        assertTrue(subj.accuracy() > 70 && subj.accuracy() <= 100, "SUBJ accuracy " + subj.accuracy());
        assertEquals(Map.of("examples", 10000), subj.sizes());
        assertEquals(subj.accuracy(), r.avg(), 1e-9);
        assertEquals(List.of(1.0), r.protocol().get("c_grid"));

        List<String> encoded = recording.allSentences();
        assertEquals(new HashSet<>(encoded).size(), encoded.size(), "a sentence was encoded twice");
    }
}
