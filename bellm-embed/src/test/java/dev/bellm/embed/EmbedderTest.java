package dev.bellm.embed;

import dev.bellm.SharedData;
import dev.bellm.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class EmbedderTest {
    private static List<String> texts() {
        List<String> t = new ArrayList<>();
        Fixtures.cases().get("texts").forEach(n -> t.add(n.asText()));
        return t;
    }

    private static Embedder.Builder builder() {
        return Embedder.builder().model(Fixtures.path("tiny-qwen2")).bidirectionalFrom(1).pooling(Pooling.MEAN).prompt(Embedder.BELLM_PROMPT);
    }

    @Test
    void manyThreadsAtOnceGetWhatOneThreadGets() throws Exception {
        Embedder e = builder().batchSize(3).build();
        float[][] expected = e.embed(texts()).vectors();
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int k = 0; k < 24; k++) results.add(pool.submit(() -> e.embed(texts()).vectors()));
            for (Future<float[][]> f : results) {
                float[][] got = f.get();
                for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i]);
            }
        }
    }

    /** The prompt prefix computed once changes nothing: same bits as the full pass, causal or BeLLM, any pooling. */
    @Test
    void reusingThePromptPrefixGivesTheSameBits() {
        record Case(String model, int from, Pooling pooling) {}
        for (Case c : List.of(new Case("tiny-llama", 3, Pooling.LAST), new Case("tiny-qwen3", 2, Pooling.MEAN),
                new Case("tiny-qwen2", -1, Pooling.MEAN), new Case("tiny-llama", 0, Pooling.FIRST))) {
            Embedder.Builder b = Embedder.builder().model(Fixtures.path(c.model())).pooling(c.pooling())
                    .prompt(Embedder.BELLM_PROMPT).batchSize(4); // from -1: causal
            if (c.from() >= 0) b.bidirectionalFrom(c.from());
            float[][] reused = b.reusePromptPrefix(true).build().embed(texts()).vectors();
            float[][] full = b.reusePromptPrefix(false).build().embed(texts()).vectors();
            for (int i = 0; i < full.length; i++) assertArrayEquals(full[i], reused[i], c + " text " + i);
        }
    }

    @Test
    void batchSizeDoesNotChangeEmbeddings() {
        float[][] one = builder().batchSize(1).build().embed(texts()).vectors();
        float[][] all = builder().batchSize(64).build().embed(texts()).vectors();
        for (int i = 0; i < one.length; i++) assertArrayEquals(one[i], all[i]);
    }

    @Test
    void normalizeGivesUnitVectorsAndTokenCountsAreReported() {
        Embedder.Embeddings r = builder().normalize(true).build().embed(texts());
        for (float[] v : r.vectors()) {
            double n = 0;
            for (float x : v) n += x * x;
            assertEquals(1.0, Math.sqrt(n), 1e-5);
        }
        for (int i = 0; i < r.tokenCounts().length; i++) assertEquals(Fixtures.ids("prompt", i).length, r.tokenCounts()[i]);
        assertEquals(0, r.truncated());
    }

    @Test
    void truncationIsAnErrorByDefaultAndReportedWhenAsked() {
        var e = assertThrows(IllegalArgumentException.class, () -> builder().maxTokens(10).build().embed(texts()));
        assertTrue(e.getMessage().contains("text 0") && e.getMessage().contains("limit of 10"), e.getMessage());
        Embedder.Embeddings r = builder().maxTokens(12).truncation(Embedder.Truncation.KEEP_START).build().embed(texts());
        int longer = 0;
        for (int i = 0; i < texts().size(); i++) {
            int full = Fixtures.ids("prompt", i).length;
            if (full > 12) longer++;
            assertEquals(Math.min(full, 12), r.tokenCounts()[i]);
        }
        assertTrue(longer > 0 && longer < texts().size(), "the fixture texts straddle the limit");
        assertEquals(longer, r.truncated());
    }

    @Test
    void aTokenizerLargerThanTheModelsVocabularyIsRefused() {
        var model = dev.bellm.io.DataDirectory.resolve("models/stories260K/stories260K.bin");
        var e = assertThrows(dev.bellm.io.CheckpointException.class,
                () -> Embedder.builder().model(model).tokenizer(Fixtures.path("tiny-llama/tokenizer.json")).build());
        assertTrue(e.getMessage().contains("stories260K.bin") && e.getMessage().contains("1507") && e.getMessage().contains("512"),
                e.getMessage());
    }

    @Test
    void badSettingsAreRefusedWithWhatToDo() {
        assertThrows(IllegalArgumentException.class, () -> builder().prompt("{text} twice {text}").build());
        var past = assertThrows(IllegalArgumentException.class, () -> builder().bidirectionalFrom(3).build());
        assertTrue(past.getMessage().contains("past the last layer"), past.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder().batchSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> builder().bidirectionalFrom(-1).build());
        var e = assertThrows(IllegalArgumentException.class, () -> Embedder.builder().build());
        assertTrue(e.getMessage().contains("model("), e.getMessage());
    }
}
