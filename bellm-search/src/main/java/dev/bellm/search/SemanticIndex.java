package dev.bellm.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;
import dev.bellm.embed.Pooling;
import dev.bellm.embed.stream.EmbeddingSink;
import dev.bellm.embed.stream.EmbeddingStream;
import dev.bellm.embed.stream.TextRecord;
import dev.bellm.embed.stream.TextRecordReader;
import dev.bellm.io.AtomicFiles;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.FSDirectory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * A semantic search index: documents embedded by a bellm encoder into a Lucene HNSW graph
 * ({@link KnnFloatVectorField}), with the encoder's recipe stored beside it ({@value #RECIPE_FILE}) so a search
 * rebuilds the same encoder and embeds queries with the query prompt. Vectors are stored L2-normalised and
 * compared by dot product, so scores are cosines whatever the recipe's own normalisation.
 *
 * <pre>{@code
 * SemanticIndex.build(EmbedderRecipe.of(model).withPrompt("passage: {text}"), "query: {text}", documents, indexDir, options);
 * try (SemanticIndex index = SemanticIndex.open(indexDir, threads)) {
 *     for (SemanticIndex.Hit hit : index.search("who plays the guitar?", 5)) System.out.println(hit);
 * }
 * }</pre>
 */
public final class SemanticIndex implements Closeable {
    /** The metadata file: format, document recipe, query prompt, dimension, document count. */
    public static final String RECIPE_FILE = "bellm-index.json";
    static final String ID = "id", LINE = "line", TEXT = "text", VECTOR = "vector";
    private static final int FORMAT = 1;
    /** Decoder hidden sizes reach 8192 (70B models); Lucene's default per-field limit is 1024. */
    static final int MAX_DIMENSIONS = 16384;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One result: the document's id (its line number when the input had none), its line, text and cosine to the query. */
    public record Hit(String id, long line, String text, double score) {}

    /** What an index build did. */
    public record BuildResult(long documents, List<Long> skippedLines, long stoppedAtLine) {}

    /** Build settings: batch size, compute threads, and whether blank documents are skipped (else the build stops there). */
    public record BuildOptions(int batchSize, int threads, boolean skipEmpty) {
        public static BuildOptions defaults() {
            return new BuildOptions(32, Runtime.getRuntime().availableProcessors(), false);
        }
    }

    private final Path dir;
    private final Map<String, Object> metadata;
    private final Embedder queryEmbedder;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;

    private SemanticIndex(Path dir, Map<String, Object> metadata, Embedder queryEmbedder, DirectoryReader reader) {
        this.dir = dir;
        this.metadata = metadata;
        this.queryEmbedder = queryEmbedder;
        this.reader = reader;
        this.searcher = new IndexSearcher(reader);
    }

    /**
     * Embeds every document of {@code documents} with {@code documentRecipe} and writes the index to {@code indexDir},
     * which must not exist yet; the index appears there complete (built beside it, then renamed). Memory stays
     * bounded by the batch size. A blank document stops the build (nothing is written) unless {@code skipEmpty}.
     */
    public static BuildResult build(EmbedderRecipe documentRecipe, String queryPrompt, TextRecordReader documents, Path indexDir,
                                    BuildOptions options, LongConsumer progress) throws IOException {
        Objects.requireNonNull(documentRecipe, "documentRecipe");
        if (queryPrompt != null && !queryPrompt.contains("{text}")) throw new IllegalArgumentException("query prompt must contain {text}: " + queryPrompt);
        if (Files.exists(indexDir)) throw new IllegalArgumentException("index directory " + indexDir + " already exists; remove it or choose another");
        Embedder embedder = documentRecipe.builder().threads(options.threads()).batchSize(options.batchSize()).build();
        Path parent = indexDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = parent.resolve("." + indexDir.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        deleteTree(staging);
        try {
            EmbeddingStream.Result result;
            try (FSDirectory directory = FSDirectory.open(staging);
                 IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig().setCodec(new WideVectorsCodec()))) {
                EmbeddingSink sink = (records, vectors, tokens) -> {
                    for (int i = 0; i < records.size(); i++) writer.addDocument(document(records.get(i), vectors[i]));
                };
                result = new EmbeddingStream(embedder, options.batchSize(),
                        options.skipEmpty() ? EmbeddingStream.EmptyTexts.SKIP : EmbeddingStream.EmptyTexts.STOP).run(documents, sink, progress);
                if (result.stopped()) {
                    return new BuildResult(result.embedded(), result.skippedLines(), result.stoppedAtLine());
                }
                writer.forceMerge(1);
                writer.commit();
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put("recipe", documentRecipe.toMap());
            meta.put("query_prompt", queryPrompt);
            meta.put("dimension", embedder.dimension());
            meta.put("similarity", "cosine");
            meta.put("documents", result.embedded());
            AtomicFiles.write(staging.resolve(RECIPE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            Files.move(staging, indexDir, StandardCopyOption.ATOMIC_MOVE);
            return new BuildResult(result.embedded(), result.skippedLines(), 0);
        } finally {
            deleteTree(staging);
        }
    }

    private static Document document(TextRecord r, float[] vector) {
        Document d = new Document();
        d.add(new StringField(ID, r.id() != null ? r.id() : Long.toString(r.line()), Field.Store.YES));
        d.add(new StoredField(LINE, r.line()));
        d.add(new StoredField(TEXT, r.text()));
        d.add(new KnnFloatVectorField(VECTOR, unit(vector), VectorSimilarityFunction.DOT_PRODUCT));
        return d;
    }

    private static float[] unit(float[] v) {
        float[] u = v.clone();
        if (Pooling.normalize(u) == 0) throw new IllegalStateException("a zero embedding cannot be compared by angle");
        return u;
    }

    /** Opens an index built by {@link #build}, loading the encoder its recipe names (with the query prompt). */
    @SuppressWarnings("unchecked")
    public static SemanticIndex open(Path indexDir, int threads) throws IOException {
        Path meta = indexDir.resolve(RECIPE_FILE);
        if (!Files.isRegularFile(meta)) throw new IllegalArgumentException(indexDir + " is not a bellm index (no " + RECIPE_FILE + ")");
        Map<String, Object> metadata = JSON.readValue(meta.toFile(), Map.class);
        if (!Integer.valueOf(FORMAT).equals(metadata.get("format"))) {
            throw new IllegalArgumentException(meta + ": index format " + metadata.get("format") + ", this bellm reads " + FORMAT);
        }
        EmbedderRecipe recipe = EmbedderRecipe.fromMap((Map<String, Object>) metadata.get("recipe"));
        Embedder queries = recipe.withPrompt((String) metadata.get("query_prompt")).builder().threads(threads).build();
        int dimension = ((Number) metadata.get("dimension")).intValue();
        if (queries.dimension() != dimension) {
            throw new IllegalArgumentException(meta + ": the index holds " + dimension + "-dimensional vectors but " + recipe.model()
                    + " gives " + queries.dimension());
        }
        return new SemanticIndex(indexDir, metadata, queries, DirectoryReader.open(FSDirectory.open(indexDir)));
    }

    /** The {@code k} documents nearest to {@code query} (embedded with the index's query prompt), best first. */
    public List<Hit> search(String query, int k) throws IOException {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        float[] q = unit(queryEmbedder.embed(query));
        ScoreDoc[] docs = searcher.search(new KnnFloatVectorQuery(VECTOR, q, k), k).scoreDocs;
        StoredFields stored = searcher.storedFields();
        List<Hit> hits = new ArrayList<>(docs.length);
        for (ScoreDoc sd : docs) {
            Document d = stored.document(sd.doc);
            // DOT_PRODUCT scores are (1 + cos) / 2
            hits.add(new Hit(d.get(ID), d.getField(LINE).numericValue().longValue(), d.get(TEXT), 2.0 * sd.score - 1.0));
        }
        return hits;
    }

    /** The encoder queries go through (the document recipe with the query prompt). */
    public Embedder queryEmbedder() {
        return queryEmbedder;
    }

    /** The stored metadata ({@value #RECIPE_FILE}). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public int size() {
        return reader.numDocs();
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    /**
     * The default codec with a wider vector limit. It keeps the standard codec's and format's names, so the index
     * reads back with stock Lucene (the limit is only checked when writing).
     */
    static final class WideVectorsCodec extends Lucene103Codec {
        private final KnnVectorsFormat wide = new WideVectorsFormat(new Lucene99HnswVectorsFormat());

        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return wide;
        }
    }

    private static final class WideVectorsFormat extends KnnVectorsFormat {
        private final KnnVectorsFormat delegate;

        WideVectorsFormat(KnnVectorsFormat delegate) {
            super(delegate.getName());
            this.delegate = delegate;
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return delegate.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return delegate.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return MAX_DIMENSIONS;
        }
    }
}
