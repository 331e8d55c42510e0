package dev.bellm.explain;

import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.Pooling;
import dev.bellm.eval.SentenceEmbeddings;
import dev.bellm.io.DataDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Integrated gradients on stories260K (the real pretrained model), against invariants that do not use the backward pass. */
@SharedData
class SimilarityExplainerTest {
    private static final Path MODEL = DataDirectory.root().resolve("models/stories260K/stories260K.bin");
    private static final String A = "A man is playing a guitar.", B = "A person plays music.";

    private static Embedder encoder(Pooling pooling, Integer bidirectionalFrom) {
        Embedder.Builder b = Embedder.builder().model(MODEL).pooling(pooling).threads(2);
        if (bidirectionalFrom != null) b.bidirectionalFrom(bidirectionalFrom);
        return b.build();
    }

    @Test
    void attributionsAddUpToTheSimilarityChange() {
        for (Integer from : new Integer[] {null, 3}) {
            Embedder e = encoder(Pooling.MEAN, from);
            var x = new SimilarityExplainer(e).explain(A, B, new SimilarityExplainer.Options(16, 2048, 1e-3, List.of(4)));
            assertTrue(x.converged(), "not converged: error " + x.completenessError() + " after " + x.steps() + " steps");
            double sum = x.a().tokens().stream().mapToDouble(SimilarityExplainer.Token::attribution).sum()
                    + x.b().tokens().stream().mapToDouble(SimilarityExplainer.Token::attribution).sum();
            assertEquals(x.similarity() - x.baselineSimilarity(), sum, 1e-3);
            // the path's end is the encoder's own similarity, computed by the inference forward pass
            assertEquals(SentenceEmbeddings.cosine(e.embed(A), e.embed(B)), x.similarity(), 1e-5);
            assertTrue(Math.abs(x.similarity() - x.baselineSimilarity()) > 1e-3, "a path with no change tests nothing");
            // BOS (kept in the baseline) gets no attribution; sentence tokens do
            assertEquals(0.0, x.a().tokens().getFirst().attribution(), 0.0);
            assertTrue(!x.a().tokens().getFirst().inSentence());
            assertTrue(x.a().tokens().stream().filter(SimilarityExplainer.Token::inSentence).anyMatch(t -> t.attribution() != 0));
        }
    }

    @Test
    void tokensThePoolingCannotSeeGetExactlyZero() {
        // causal model, first-token pooling: the first (BOS) position attends only to itself, so no sentence token can
        // change the embedding; their attributions must be exactly zero
        var causal = new SimilarityExplainer(encoder(Pooling.FIRST, null)).explain(A, B, SimilarityExplainer.Options.defaults());
        for (var t : causal.a().tokens()) assertEquals(0.0, t.attribution(), 0.0, "token " + t);
        for (var t : causal.b().tokens()) assertEquals(0.0, t.attribution(), 0.0, "token " + t);
        assertEquals(causal.similarity(), causal.baselineSimilarity(), 0.0);
        // the same pooling with the top layer bidirectional: now the first position sees the sentence
        var bellm = new SimilarityExplainer(encoder(Pooling.FIRST, 4)).explain(A, B, SimilarityExplainer.Options.defaults());
        assertTrue(bellm.a().tokens().stream().filter(SimilarityExplainer.Token::inSentence).allMatch(t -> t.attribution() != 0));
        assertTrue(bellm.completenessError() <= bellm.tolerance(), "error " + bellm.completenessError());
    }

    @Test
    void attentionMapsOfChosenLayersShowTheMask() {
        var x = new SimilarityExplainer(encoder(Pooling.MEAN, 4)).explain(A, B, new SimilarityExplainer.Options(4, 4, 1, List.of(0, 4)));
        float[][][] causalLayer = x.a().attention()[0], bidirectionalLayer = x.a().attention()[1];
        int len = x.a().tokens().size();
        assertEquals(len, causalLayer[0].length);
        assertEquals(0f, causalLayer[0][0][len - 1]);          // query 0 cannot see the last key in layer 0
        assertTrue(bidirectionalLayer[0][0][len - 1] > 0);     // it can in layer 4
    }
}
