package dev.bellm.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bellm.SharedData;
import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;
import dev.bellm.io.DataDirectory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On a real local Spark session: every row embedded once, in order, ids kept, vectors equal to Embedder's. */
@SharedData
class SparkEmbedTest {
    private static SparkSession spark;
    private static EmbedderRecipe recipe;
    private static Embedder reference;
    private static final List<String> TEXTS = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("bellm-test").config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        recipe = EmbedderRecipe.of(DataDirectory.resolve("models/stories260K/stories260K.bin")).withPrompt("Story: {text}");
        reference = recipe.builder().build();
        String[] words = {"Lily", "Tom", "the bird", "Mom", "a cat", "Ben", "the dog", "Sue"};
        String[] acts = {"found a ball", "ran to the tree", "sang a song", "made a cake", "sat on the mat"};
        for (int i = 0; i < 37; i++) TEXTS.add(words[i % words.length] + " " + acts[i % acts.length] + " on day " + i + ".");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static float[] floats(Row r, String col) {
        List<Float> list = r.getList(r.fieldIndex(col));
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) v[i] = list.get(i);
        return v;
    }

    @Test
    void theTransformerEmbedsEveryRowOnceInOrderAsEmbedderDoes() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) rows.add(RowFactory.create("id-" + i, TEXTS.get(i)));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        Dataset<Row> docs = spark.createDataFrame(
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3), schema);
        assertEquals(3, docs.javaRDD().getNumPartitions());
        Dataset<Row> out = new BellmEmbeddingTransformer().setRecipe(recipe).setInputCol("text").setOutputCol("vec").setThreads(2).setBatchSize(5)
                .transform(docs);
        List<Row> got = out.collectAsList();
        assertEquals(TEXTS.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals("id-" + i, got.get(i).getString(0), "order and ids kept");
            assertEquals(TEXTS.get(i), got.get(i).getString(1));
            assertArrayEquals(reference.embed(TEXTS.get(i)), floats(got.get(i), "vec"), TEXTS.get(i));
        }
        assertEquals(1, ExecutorEncoders.loaded(), "one encoder in this (driver = executor) JVM for three partitions");
        assertThrows(IllegalArgumentException.class, () -> new BellmEmbeddingTransformer().setRecipe(recipe).setInputCol("nope").transform(docs));
    }

    @Test
    void theCommandReadsJsonLinesAndWritesParquetWithIdsAndVectors() throws Exception {
        Path input = dir.resolve("docs.jsonl");
        ObjectMapper json = new ObjectMapper();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < TEXTS.size(); i++) s.append(json.writeValueAsString(Map.of("id", 1000 + i, "text", TEXTS.get(i)))).append('\n');
        Files.writeString(input, s);
        Path output = dir.resolve("out.parquet");
        int code = SparkEmbed.run("--model", recipe.model(), "--prompt", "Story: {text}", "--input", input.toString(), "--output", output.toString(),
                "--master", "local[2]", "--threads", "2", "--batch-size", "8");
        assertEquals(0, code);
        List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(TEXTS.size(), rows.size());
        Set<Long> ids = new HashSet<>();
        for (Row r : rows) {
            long id = r.getLong(r.fieldIndex("id"));
            assertTrue(ids.add(id), "row " + id + " once");
            String text = r.getString(r.fieldIndex("text"));
            assertEquals(TEXTS.get((int) (id - 1000)), text);
            assertArrayEquals(reference.embed(text), floats(r, "embedding"));
        }
        assertEquals(2, SparkEmbed.run("--model", recipe.model(), "--input", input.toString(), "--output", output.toString(), "--master", "local[2]"),
                "an existing output is not overwritten");
    }
}
