package dev.bellm.spark;

import dev.bellm.embed.Embedder;
import dev.bellm.embed.EmbedderRecipe;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A Spark ML transformer that adds an embedding column ({@code array<float>}) computed from a text column by a
 * bellm encoder. The encoder is given as its recipe ({@link EmbedderRecipe} as JSON), so only a few hundred bytes
 * travel to the executors; each executor JVM loads the model once ({@link ExecutorEncoders}) and its tasks share it
 * on {@link #threads()} compute threads. Rows keep their order and every other column; a null text is an error
 * naming the row's partition.
 *
 * <pre>{@code
 * Dataset<Row> out = new BellmEmbeddingTransformer().setRecipe(EmbedderRecipe.of(Path.of("/shared/enc")).withPrompt(p))
 *         .setInputCol("text").setOutputCol("embedding").setThreads(4).transform(docs);
 * }</pre>
 */
public class BellmEmbeddingTransformer extends Transformer {
    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> recipe;
    private final IntParam threads;
    private final IntParam batchSize;

    public BellmEmbeddingTransformer() {
        this(Identifiable$.MODULE$.randomUID("bellmEmbedding"));
    }

    public BellmEmbeddingTransformer(String uid) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "text column to embed");
        this.outputCol = new Param<>(this, "outputCol", "embedding column to add (array<float>)");
        this.recipe = new Param<>(this, "recipe", "the encoder recipe, as EmbedderRecipe JSON");
        this.threads = new IntParam(this, "threads", "compute threads of each executor's encoder (shared by its tasks)");
        this.batchSize = new IntParam(this, "batchSize", "texts per forward pass");
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(threads, Runtime.getRuntime().availableProcessors());
        setDefault(batchSize, 32);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> recipe() { return recipe; }
    public IntParam threads() { return threads; }
    public IntParam batchSize() { return batchSize; }

    public BellmEmbeddingTransformer setInputCol(String v) { set(inputCol, v); return this; }
    public BellmEmbeddingTransformer setOutputCol(String v) { set(outputCol, v); return this; }
    public BellmEmbeddingTransformer setRecipe(EmbedderRecipe v) { set(recipe, v.toJson()); return this; }
    public BellmEmbeddingTransformer setRecipeJson(String v) { EmbedderRecipe.fromJson(v); set(recipe, v); return this; }
    public BellmEmbeddingTransformer setThreads(int v) {
        if (v <= 0) throw new IllegalArgumentException("threads must be positive, got " + v);
        set(threads, v);
        return this;
    }
    public BellmEmbeddingTransformer setBatchSize(int v) {
        if (v <= 0) throw new IllegalArgumentException("batchSize must be positive, got " + v);
        set(batchSize, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = $(inputCol), out = $(outputCol);
        if (!List.of(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("input column '" + in + "' is not in the schema " + schema.simpleString());
        }
        if (!schema.apply(in).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("input column '" + in + "' must be a string, it is " + schema.apply(in).dataType().simpleString());
        }
        if (List.of(schema.fieldNames()).contains(out)) throw new IllegalArgumentException("output column '" + out + "' already exists");
        return schema.add(new StructField(out, DataTypes.createArrayType(DataTypes.FloatType, false), false, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        if (!isDefined(recipe) || $(recipe) == null) throw new IllegalArgumentException("no encoder recipe: call setRecipe(...)");
        StructType outSchema = transformSchema(dataset.schema());
        int textIndex = dataset.schema().fieldIndex($(inputCol));
        String recipeJson = $(recipe);
        int nThreads = (Integer) $(threads), nBatch = (Integer) $(batchSize);
        MapPartitionsFunction<Row, Row> embed = rows -> new EmbeddingIterator(rows, ExecutorEncoders.get(EmbedderRecipe.fromJson(recipeJson), nThreads),
                textIndex, nBatch);
        return dataset.toDF().mapPartitions(embed, Encoders.row(outSchema));
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Pulls a batch of rows, embeds them, hands them out, then pulls the next: memory bounded by the batch. */
    private static final class EmbeddingIterator implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Embedder embedder;
        private final int textIndex, batchSize;
        private final List<Row> ready = new ArrayList<>();
        private int next;

        EmbeddingIterator(Iterator<Row> rows, Embedder embedder, int textIndex, int batchSize) {
            this.rows = rows;
            this.embedder = embedder;
            this.textIndex = textIndex;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() {
            if (next < ready.size()) return true;
            ready.clear();
            next = 0;
            List<Row> batch = new ArrayList<>(batchSize);
            List<String> texts = new ArrayList<>(batchSize);
            while (batch.size() < batchSize && rows.hasNext()) {
                Row r = rows.next();
                if (r.isNullAt(textIndex)) throw new IllegalArgumentException("row with a null text in column " + textIndex + ": " + r);
                batch.add(r);
                texts.add(r.getString(textIndex));
            }
            if (batch.isEmpty()) return false;
            float[][] vectors = embedder.embed(texts).vectors();
            for (int i = 0; i < batch.size(); i++) {
                Row r = batch.get(i);
                Object[] values = new Object[r.length() + 1];
                for (int c = 0; c < r.length(); c++) values[c] = r.get(c);
                Float[] boxed = new Float[vectors[i].length];
                for (int k = 0; k < boxed.length; k++) boxed[k] = vectors[i][k];
                values[r.length()] = boxed;
                ready.add(RowFactory.create(values));
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) throw new NoSuchElementException();
            return ready.get(next++);
        }
    }
}
