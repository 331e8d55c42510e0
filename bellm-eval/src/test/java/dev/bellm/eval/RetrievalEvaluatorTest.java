package dev.bellm.eval;

import dev.bellm.SharedData;
import dev.bellm.eval.RetrievalTask.LabelledPair;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class RetrievalEvaluatorTest {
    private static final Path DATA = DataFiles.defaultDataDir();

    private static final List<LabelledPair> PAIRS = List.of(
            new LabelledPair("a dog runs", "an animal runs", true),
            new LabelledPair("a dog runs", "a cat sleeps", false),
            new LabelledPair("a man  cooks", "someone cooks", true),
            new LabelledPair("a man cooks", "a man sleeps", false),
            new LabelledPair("the sky", "the sky", true),      // its own text: never relevant to itself
            new LabelledPair("nobody", "a cat sleeps", false)); // no entailed hypothesis: left out and counted

    @Test
    void buildsQueriesCorpusAndRelevance() {
        RetrievalTask.Dataset d = RetrievalTask.SICK.build(PAIRS, t -> SentenceText.prepare(t, false));
        assertEquals(List.of("a dog runs", "a man cooks"), d.queries()); // whitespace collapsed: one query
        assertEquals(List.of("an animal runs", "a cat sleeps", "someone cooks", "a man sleeps", "the sky"), d.corpus());
        assertEquals(List.of(Set.of(0), Set.of(2)), d.relevant());
        assertEquals(2, d.queriesWithoutRelevant());
    }

    @Test
    void anEncoderThatMapsEachQueryOntoItsAnswerScoresOne() {
        Map<String, float[]> vectors = Map.of("a dog runs", new float[] {1, 0, 0}, "an animal runs", new float[] {2, 0, 0},
                "a cat sleeps", new float[] {0, 1, 0}, "a man cooks", new float[] {0, 0, 1}, "someone cooks", new float[] {0, 0.1f, 1},
                "a man sleeps", new float[] {0, 1, 0.2f}, "the sky", new float[] {1, 1, 1});
        RetrievalTask.Dataset d = RetrievalTask.SICK.build(PAIRS, t -> SentenceText.prepare(t, false));
        SentenceEncoder encoder = texts -> texts.stream().map(vectors::get).toArray(float[][]::new);
        List<String> all = new java.util.ArrayList<>(d.queries());
        all.addAll(d.corpus());
        RetrievalResult r = RetrievalEvaluator.score(d, SentenceEmbeddings.encode(encoder, all, 4, (a, b) -> {}));
        assertEquals(100, r.ndcgAt10(), 1e-9);
        assertEquals(100, r.mrrAt10(), 1e-9);
        assertEquals(100, r.recallAt100(), 1e-9);
        assertEquals(2, r.queries());
        assertEquals(5, r.corpus());
    }

    @Test
    void aConstantEncoderScoresWhatChanceGivesWhateverTheCorpusOrder() {
        // every document tied: the tie-aware nDCG@10 of a query with 1 relevant among 5 is (Σ_{i<5} 1/log2(i+2))/5
        RetrievalTask.Dataset d = RetrievalTask.SICK.build(PAIRS, t -> SentenceText.prepare(t, false));
        SentenceEncoder constant = texts -> texts.stream().map(t -> new float[] {1, 1}).toArray(float[][]::new);
        List<String> all = new java.util.ArrayList<>(d.queries());
        all.addAll(d.corpus());
        RetrievalResult r = RetrievalEvaluator.score(d, SentenceEmbeddings.encode(constant, all, 8, (a, b) -> {}));
        double dcg = 0;
        for (int i = 0; i < 5; i++) dcg += 1 / (Math.log(i + 2) / Math.log(2));
        assertEquals(100 * dcg / 5, r.ndcgAt10(), 1e-9);
        assertEquals(100 * (1 + 0.5 + 1.0 / 3 + 0.25 + 0.2) / 5, r.mrrAt10(), 1e-9);
    }

    @Test
    void sharedDataSetsHaveTheSizesAnIndependentCountGives() {
        // counted with a few lines of Python over the same files (whitespace collapsed, self-matches dropped)
        var snli = RetrievalTask.SNLI.build(RetrievalTask.SNLI.loadPairs(DATA), t -> SentenceText.prepare(t, false));
        assertEquals(3089, snli.queries().size());
        assertEquals(9639, snli.corpus().size());
        assertEquals(3368, snli.relevant().stream().mapToInt(Set::size).sum());
        assertEquals(234, snli.queriesWithoutRelevant());
        var sick = RetrievalTask.SICK.build(RetrievalTask.SICK.loadPairs(DATA), t -> SentenceText.prepare(t, false));
        assertEquals(1235, sick.queries().size());
        assertEquals(3339, sick.corpus().size());
        assertEquals(1414, sick.relevant().stream().mapToInt(Set::size).sum());
    }

    @Test
    void evaluatesBothTasksAndWritesTheirResults() throws Exception {
        RetrievalOptions options = new RetrievalOptions(List.of(RetrievalTask.SICK), false, 512);
        EvalResults r = new RetrievalEvaluator(DATA, options).evaluate(TestEncoders.bagOfWords(256), "bow", Map.of(), (a, b) -> {});
        RetrievalResult sick = (RetrievalResult) r.tasks().get("SICKRetrieval");
        // word overlap finds entailed SICK hypotheses far above chance (chance nDCG@10 over 3,339 documents is ~0.3)
        assertTrue(sick.ndcgAt10() > 20, "nDCG@10 " + sick.ndcgAt10());
        assertTrue(sick.recallAt100() >= sick.ndcgAt10() - 1e-9 || sick.recallAt100() > 50);
        Path dir = java.nio.file.Files.createTempDirectory("mteb");
        ResultsJson.writeMteb(dir, r);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("SICKRetrieval.json").toFile());
        assertEquals(sick.ndcgAt10() / 100, node.at("/scores/test/0/main_score").asDouble(), 1e-12);
        assertEquals(sick.recallAt100() / 100, node.at("/scores/test/0/recall_at_100").asDouble(), 1e-12);
        assertTrue(ResultsJson.toJson(r).contains("\"mrr_at_10\""));
    }

    @Test
    void badLabelsNameTheFileAndLine() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("snli");
        java.nio.file.Files.writeString(dir.resolve("s1.test"), "a\nb\n");
        java.nio.file.Files.writeString(dir.resolve("s2.test"), "c\nd\n");
        java.nio.file.Files.writeString(dir.resolve("labels.test"), "entailment\nmaybe\n");
        var e = assertThrows(DatasetException.class, () -> RetrievalTask.readSnli(dir, "test"));
        assertTrue(e.getMessage().contains("labels.test:2"), e.getMessage());
    }
}
