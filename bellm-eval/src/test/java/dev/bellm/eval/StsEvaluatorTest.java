package dev.bellm.eval;

import dev.bellm.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class StsEvaluatorTest {
    private static final Path DATA = DataFiles.defaultDataDir();
    private static final List<StsTask> STS12_TO_16 = List.of(StsTask.STS12, StsTask.STS13, StsTask.STS14, StsTask.STS15, StsTask.STS16);

    @Test
    void bagOfWordsOnAllSevenTasksGivesASaneStructuredResult() {
        EvalResults r = new StsEvaluator(DATA, StsOptions.defaults())
                .evaluate(TestEncoders.bagOfWords(512), "bow-512", Map.of("encoder", "hashed bag of words"), ProgressListener.NONE);

        assertEquals(List.of("STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark", "SICKRelatedness"),
                new ArrayList<>(r.tasks().keySet()));
        Map<String, Integer> pairs = Map.of("STS12", 3108, "STS13", 1500, "STS14", 3750, "STS15", 3000, "STS16", 1186,
                "STSBenchmark", 1379, "SICKRelatedness", 4927);
        double sum = 0;
        for (var e : r.tasks().entrySet()) {
            StsResult sts = assertInstanceOf(StsResult.class, e.getValue());
            assertEquals(pairs.get(e.getKey()), sts.pairs(), e.getKey());
            // Word overlap correlates clearly but imperfectly with human similarity judgements.
            assertTrue(sts.spearman() > 20 && sts.spearman() < 90, e.getKey() + " spearman " + sts.spearman());
            assertTrue(sts.pearson() > 0 && sts.pearson() < 100, e.getKey() + " pearson " + sts.pearson());
            sum += sts.spearman();
        }
        assertEquals(sum / 7, r.avg(), 1e-9);
        assertEquals("test", ((StsResult) r.tasks().get("STSBenchmark")).split());
        assertEquals("bow-512", r.model());
        assertEquals(false, r.protocol().get("append_period"));
    }

    @Test
    void stsYearsListEverySubsetAndTheirPairWeightedMean() {
        EvalResults r = new StsEvaluator(DATA, new StsOptions(List.of(StsTask.STS14), "test", false, 512))
                .evaluate(TestEncoders.bagOfWords(256), "bow", Map.of(), ProgressListener.NONE);
        StsResult sts14 = (StsResult) r.tasks().get("STS14");
        assertEquals(List.of("deft-forum", "deft-news", "headlines", "images", "OnWN", "tweet-news"),
                new ArrayList<>(sts14.subsets().keySet()));
        // Subset sizes as the gold files hold them (750 everywhere but deft-forum 450 and deft-news 300).
        assertEquals(450, sts14.subsets().get("deft-forum").pairs());
        assertEquals(300, sts14.subsets().get("deft-news").pairs());
        double weighted = 0;
        int total = 0;
        for (CorrelationScores s : sts14.subsets().values()) {
            weighted += s.spearman() * s.pairs();
            total += s.pairs();
        }
        assertEquals(3750, total);
        assertEquals(weighted / total, sts14.weightedMean().spearman(), 1e-9);
        // The "all" setting pools pairs of differently calibrated subsets, so it differs from the weighted mean.
        assertTrue(Math.abs(sts14.spearman() - sts14.weightedMean().spearman()) > 1e-6);
    }

    @Test
    void identicalSentencesHaveCosineOneAndDifferentOnesDoNot() {
        // Random vectors per distinct sentence: a pair's cosine is 1 exactly when both sides are the same text,
        // so this shows each pair is looked up by its own two sentences.
        List<ScoredPair> pairs = new ArrayList<>();
        for (StsTask task : StsTask.values()) {
            for (ScoredPair p : task.load(DATA, "test")) {
                pairs.add(new ScoredPair(p.subset(), SentenceText.prepare(p.first(), false), SentenceText.prepare(p.second(), false),
                        p.score()));
            }
        }
        List<String> sentences = pairs.stream().flatMap(p -> Stream.of(p.first(), p.second())).toList();
        SentenceEmbeddings embeddings = SentenceEmbeddings.encode(TestEncoders.randomPerSentence(256), sentences, 4096,
                ProgressListener.NONE);
        double[] cos = StsEvaluator.cosines(pairs, embeddings);
        int identical = 0;
        for (int i = 0; i < cos.length; i++) {
            if (pairs.get(i).first().equals(pairs.get(i).second())) {
                identical++;
                assertEquals(1.0, cos[i], 1e-6, pairs.get(i).toString());
            } else {
                // independent 256-dim Gaussians: cosine ~ N(0, 1/256), so |cos| > 0.5 is an 8-sigma event
                assertTrue(Math.abs(cos[i]) < 0.5, pairs.get(i) + " cosine " + cos[i]);
            }
        }
        assertEquals(93, identical); // pairs with the same text on both sides after whitespace normalisation (counted in Python)
    }

    @Test
    void everyUniqueSentenceIsEncodedExactlyOnceInChunks() {
        var recording = new TestEncoders.Recording(TestEncoders.bagOfWords(64));
        List<long[]> progress = new ArrayList<>();
        new StsEvaluator(DATA, new StsOptions(STS12_TO_16, "test", false, 1000))
                .evaluate(recording, "bow", Map.of(), (done, total) -> progress.add(new long[] {done, total}));

        List<String> encoded = recording.allSentences();
        Set<String> unique = new HashSet<>(encoded);
        assertEquals(unique.size(), encoded.size(), "a sentence was encoded twice");
        // Python: len({' '.join(s.split()) for every scored pair's two sentences in STS12-16}) == 20404
        assertEquals(20404, encoded.size());
        assertTrue(recording.calls.stream().allMatch(c -> c.size() <= 1000));
        assertEquals(21, recording.calls.size()); // ceil(20404 / 1000)
        for (int i = 0; i < progress.size(); i++) {
            assertEquals(20404, progress.get(i)[1]);
            assertEquals(Math.min(20404, 1000L * (i + 1)), progress.get(i)[0]);
        }
    }

    @Test
    void dedupeSpansTasksAndThePeriodOptionChangesTheText() {
        var recording = new TestEncoders.Recording(TestEncoders.bagOfWords(64));
        EvalResults r = new StsEvaluator(DATA, new StsOptions(StsTask.parse("sts"), "test", true, 4096))
                .evaluate(recording, "bow", Map.of(), ProgressListener.NONE);
        List<String> encoded = recording.allSentences();
        assertEquals(new HashSet<>(encoded).size(), encoded.size(), "a sentence was encoded twice");
        assertEquals(encoded.size(), r.protocol().get("unique_sentences"));
        assertEquals(true, r.protocol().get("append_period"));
        for (String s : encoded) {
            assertTrue(SentenceText.ASCII_PUNCTUATION.indexOf(s.charAt(s.length() - 1)) >= 0, s);
        }
    }

    @Test
    void stsBenchmarkDevCanBeChosen() {
        EvalResults r = new StsEvaluator(DATA, new StsOptions(List.of(StsTask.STSB), "dev", false, 4096))
                .evaluate(TestEncoders.bagOfWords(64), "bow", Map.of(), ProgressListener.NONE);
        StsResult stsb = (StsResult) r.tasks().get("STSBenchmark");
        assertEquals("dev", stsb.split());
        assertEquals(1500, stsb.pairs());
        assertTrue(stsb.subsets().isEmpty());
    }

    @Test
    void aMissingDataFolderIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nowhere");
        var e = assertThrows(DatasetException.class, () -> new StsEvaluator(missing, StsOptions.defaults()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aMissingTaskFileFailsBeforeAnythingIsEncoded(@TempDir Path dir) {
        var recording = new TestEncoders.Recording(TestEncoders.bagOfWords(8));
        var evaluator = new StsEvaluator(dir, StsOptions.defaults());
        var e = assertThrows(DatasetException.class, () -> evaluator.evaluate(recording, "m", Map.of(), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("STS.input.MSRpar.txt"), e.getMessage());
        assertTrue(recording.calls.isEmpty());
    }

    @Test
    void aBrokenEncoderIsReportedNotTrusted() {
        var options = new StsOptions(List.of(StsTask.STS13), "test", false, 100);
        SentenceEncoder tooFew = sentences -> new float[sentences.size() - 1][4];
        var e = assertThrows(IllegalStateException.class,
                () -> new StsEvaluator(DATA, options).evaluate(tooFew, "m", Map.of(), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("99 vectors for a chunk of 100"), e.getMessage());
        SentenceEncoder nan = sentences -> {
            float[][] out = new float[sentences.size()][2];
            out[sentences.size() - 1][1] = Float.NaN;
            return out;
        };
        assertThrows(IllegalStateException.class, () -> new StsEvaluator(DATA, options).evaluate(nan, "m", Map.of(), ProgressListener.NONE));
    }
}
