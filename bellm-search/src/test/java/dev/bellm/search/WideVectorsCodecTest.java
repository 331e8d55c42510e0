package dev.bellm.search;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A 4096-dimensional vector (a 7B model's hidden size) goes in with our codec, reads back with stock Lucene; the default codec refuses it. */
class WideVectorsCodecTest {
    @TempDir
    Path dir;

    private static float[] unit(Random r, int n) {
        float[] v = new float[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
            s += v[i] * v[i];
        }
        for (int i = 0; i < n; i++) v[i] /= (float) Math.sqrt(s);
        return v;
    }

    @Test
    void wideVectorsAreWrittenAndReadBackByTheStockCodec() throws Exception {
        Random r = new Random(1);
        float[][] vectors = new float[5][];
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, new IndexWriterConfig().setCodec(new SemanticIndex.WideVectorsCodec()))) {
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = unit(r, 4096);
                Document doc = new Document();
                doc.add(new KnnFloatVectorField("v", vectors[i], VectorSimilarityFunction.DOT_PRODUCT));
                w.addDocument(doc);
            }
        }
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            ScoreDoc[] hits = new IndexSearcher(reader).search(new KnnFloatVectorQuery("v", vectors[3], 1), 1).scoreDocs;
            assertEquals(3, hits[0].doc);
            assertEquals(1.0, hits[0].score, 1e-5);
        }
        try (FSDirectory d = FSDirectory.open(dir.resolve("stock")); IndexWriter w = new IndexWriter(d, new IndexWriterConfig())) {
            Document doc = new Document();
            doc.add(new KnnFloatVectorField("v", unit(r, 4096), VectorSimilarityFunction.DOT_PRODUCT));
            assertThrows(IllegalArgumentException.class, () -> w.addDocument(doc), "the stock codec's 1024 limit, which the wide one lifts");
        }
    }
}
