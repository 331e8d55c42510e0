package dev.bellm.eval;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * A logistic-regression probe on frozen features, the SentEval way: liblinear's L2-regularised logistic
 * regression (primal Newton solver; one-vs-rest for more than two classes; the bias is a constant feature),
 * C chosen from a small grid by validation accuracy, features standardised with the statistics of the
 * training part. Accuracies are fractions in [0, 1].
 *
 * <p>Shapes: {@code x [examples][dim]}, {@code y [examples]} with class labels ≥ 0.
 */
public final class LogisticProbe {
    /** liblinear's default stopping tolerance for the primal logistic-regression solver. */
    private static final double EPS = 0.01;
    /** Heap per feature value in liblinear's object representation: a FeatureNode (header, int, double) and its reference. */
    private static final long BYTES_PER_VALUE = 28;

    static {
        Linear.disableDebugOutput(); // liblinear logs every Newton iteration to stdout otherwise
    }

    /**
     * @param accuracy    test accuracy (cross-validation: mean over the outer folds)
     * @param devAccuracy validation accuracy of the chosen C (cross-validation: mean over the outer folds)
     */
    public record Score(double accuracy, double devAccuracy) {}

    private record Selection(double c, double accuracy) {}

    private final ProbeOptions options;

    public LogisticProbe(ProbeOptions options) {
        this.options = options;
    }

    /**
     * Stratified k-fold cross-validation ({@link ProbeOptions#folds()}); in each fold the features are standardised
     * on the training part, C is chosen by an inner stratified cross-validation of that part, and a classifier
     * fitted on the whole training part is tested on the held-out fold.
     */
    public Score crossValidate(float[][] x, int[] y) {
        FeatureTable table = FeatureTable.of(checked("examples", x, y));
        int[] fold = stratifiedFolds(y, options.folds(), options.seed());
        double accuracySum = 0, devSum = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(options.threads())) {
            for (int f = 0; f < options.folds(); f++) {
                int[] trainRows = rowsWhere(fold, f, false);
                int[] testRows = rowsWhere(fold, f, true);
                table.standardise(trainRows);
                Selection selection = selectC(pool, table, trainRows, y);
                accuracySum += accuracy(fit(table, trainRows, y, selection.c()), table, testRows, y);
                devSum += selection.accuracy();
            }
        }
        return new Score(accuracySum / options.folds(), devSum / options.folds());
    }

    /** C chosen by stratified k-fold cross-validation on the training set, then fitted on all of it and tested. */
    public Score trainTest(float[][] xTrain, int[] yTrain, float[][] xTest, int[] yTest) {
        int[] y = concat(yTrain, yTest);
        FeatureTable table = FeatureTable.of(concat(checked("training examples", xTrain, yTrain), checked("test examples", xTest, yTest)));
        int[] trainRows = range(0, xTrain.length);
        int[] testRows = range(xTrain.length, y.length);
        table.standardise(trainRows);
        try (ExecutorService pool = Executors.newFixedThreadPool(options.threads())) {
            Selection selection = selectC(pool, table, trainRows, y);
            return new Score(accuracy(fit(table, trainRows, y, selection.c()), table, testRows, y), selection.accuracy());
        }
    }

    /** One classifier fitted on train per C; the one with the best dev accuracy is tested. */
    public Score trainDevTest(float[][] xTrain, int[] yTrain, float[][] xDev, int[] yDev, float[][] xTest, int[] yTest) {
        int[] y = concat(concat(yTrain, yDev), yTest);
        FeatureTable table = FeatureTable.of(concat(concat(checked("training examples", xTrain, yTrain),
                checked("dev examples", xDev, yDev)), checked("test examples", xTest, yTest)));
        int[] trainRows = range(0, xTrain.length);
        int[] devRows = range(xTrain.length, xTrain.length + xDev.length);
        int[] testRows = range(xTrain.length + xDev.length, y.length);
        table.standardise(trainRows);
        List<Callable<Model>> fits = new ArrayList<>();
        for (double c : options.cGrid()) fits.add(() -> fit(table, trainRows, y, c));
        List<Model> models;
        try (ExecutorService pool = Executors.newFixedThreadPool(options.threads())) {
            models = runAll(pool, fits);
        }
        int best = 0;
        double bestDev = -1;
        for (int i = 0; i < models.size(); i++) {
            double dev = accuracy(models.get(i), table, devRows, y);
            if (dev > bestDev) { // strictly better: ties keep the smaller C
                best = i;
                bestDev = dev;
            }
        }
        return new Score(accuracy(models.get(best), table, testRows, y), bestDev);
    }

    /** The C of the grid with the best stratified k-fold validation accuracy over {@code rows}. */
    private Selection selectC(ExecutorService pool, FeatureTable table, int[] rows, int[] y) {
        int k = options.selectionFolds();
        int[] fold = stratifiedFolds(select(y, rows), k, options.seed());
        List<Callable<Integer>> fits = new ArrayList<>();
        for (double c : options.cGrid()) {
            for (int f = 0; f < k; f++) {
                int[] fitRows = select(rows, rowsWhere(fold, f, false));
                int[] validRows = select(rows, rowsWhere(fold, f, true));
                fits.add(() -> correct(fit(table, fitRows, y, c), table, validRows, y));
            }
        }
        List<Integer> correct = runAll(pool, fits);
        Selection best = null;
        for (int ci = 0; ci < options.cGrid().size(); ci++) {
            int sum = 0;
            for (int f = 0; f < k; f++) sum += correct.get(ci * k + f);
            double accuracy = (double) sum / rows.length;
            if (best == null || accuracy > best.accuracy()) best = new Selection(options.cGrid().get(ci), accuracy);
        }
        return best;
    }

    private static Model fit(FeatureTable table, int[] rows, int[] y, double c) {
        Problem problem = new Problem();
        problem.l = rows.length;
        problem.n = table.dim + 1; // the last feature is the constant bias
        problem.bias = 1;
        problem.x = new Feature[rows.length][];
        problem.y = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            problem.x[i] = table.rows[rows[i]];
            problem.y[i] = y[rows[i]];
        }
        return Linear.train(problem, new Parameter(SolverType.L2R_LR, c, EPS));
    }

    private static int correct(Model model, FeatureTable table, int[] rows, int[] y) {
        int correct = 0;
        for (int r : rows) {
            if ((int) Linear.predict(model, table.rows[r]) == y[r]) correct++;
        }
        return correct;
    }

    private static double accuracy(Model model, FeatureTable table, int[] rows, int[] y) {
        return (double) correct(model, table, rows, y) / rows.length;
    }

    /**
     * Fold of each example for stratified k-fold: each class's examples are shuffled (one generator seeded with
     * {@code seed}) and dealt round-robin, continuing across classes, so every fold gets each class in proportion.
     */
    static int[] stratifiedFolds(int[] labels, int k, long seed) {
        if (labels.length < k) {
            throw new IllegalArgumentException(k + "-fold cross-validation needs at least " + k + " examples, got " + labels.length);
        }
        Map<Integer, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < labels.length; i++) byClass.computeIfAbsent(labels[i], l -> new ArrayList<>()).add(i);
        Random random = new Random(seed);
        int[] fold = new int[labels.length];
        int next = 0;
        for (List<Integer> members : byClass.values()) {
            Collections.shuffle(members, random);
            for (int i : members) fold[i] = next++ % k;
        }
        return fold;
    }

    private static <T> List<T> runAll(ExecutorService pool, List<Callable<T>> tasks) {
        try {
            List<T> results = new ArrayList<>(tasks.size());
            for (Future<T> f : pool.invokeAll(tasks)) results.add(f.get());
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fitting the probe", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException("fitting the probe failed: " + e.getCause(), e.getCause());
        }
    }

    private static float[][] checked(String what, float[][] x, int[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " " + what + " but " + y.length + " labels");
        }
        if (x.length == 0) throw new IllegalArgumentException("no " + what);
        for (int label : y) {
            if (label < 0) throw new IllegalArgumentException("class labels must be >= 0, got " + label + " among the " + what);
        }
        return x;
    }

    private static int[] rowsWhere(int[] fold, int f, boolean inFold) {
        return IntStream.range(0, fold.length).filter(i -> (fold[i] == f) == inFold).toArray();
    }

    private static int[] select(int[] values, int[] positions) {
        int[] out = new int[positions.length];
        for (int i = 0; i < positions.length; i++) out[i] = values[positions[i]];
        return out;
    }

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[][] concat(float[][] a, float[][] b) {
        float[][] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * The examples in liblinear's form, built once: one FeatureNode per value plus a constant bias node per row.
     * {@link #standardise} rewrites the node values in place, so the nodes are shared by every fit of a fold.
     */
    private static final class FeatureTable {
        final float[][] raw;
        final Feature[][] rows;
        final int dim;

        private FeatureTable(float[][] raw, int dim) {
            this.raw = raw;
            this.dim = dim;
            this.rows = new Feature[raw.length][];
            for (int r = 0; r < raw.length; r++) {
                Feature[] row = new Feature[dim + 1];
                for (int j = 0; j < dim; j++) row[j] = new FeatureNode(j + 1, raw[r][j]);
                row[dim] = new FeatureNode(dim + 1, 1.0);
                rows[r] = row;
            }
        }

        static FeatureTable of(float[][] x) {
            int dim = x[0].length;
            for (int r = 0; r < x.length; r++) {
                if (x[r].length != dim) {
                    throw new IllegalArgumentException("example " + r + " has " + x[r].length + " features, the first has " + dim);
                }
            }
            long needed = (long) x.length * (dim + 1) * BYTES_PER_VALUE;
            long max = Runtime.getRuntime().maxMemory();
            if (needed > max) {
                throw new IllegalStateException("liblinear's features for " + x.length + " examples of " + dim + " dimensions need"
                        + " about " + (needed >> 20) + " MiB but the heap holds at most " + (max >> 20) + " MiB; raise -Xmx or"
                        + " leave this task out");
            }
            return new FeatureTable(x, dim);
        }

        /** Sets every node to (value − mean) / sd, with mean and sd per dimension over {@code fitRows}; a constant dimension keeps sd 1. */
        void standardise(int[] fitRows) {
            double[] mean = new double[dim];
            double[] sd = new double[dim];
            for (int r : fitRows) {
                for (int j = 0; j < dim; j++) mean[j] += raw[r][j];
            }
            for (int j = 0; j < dim; j++) mean[j] /= fitRows.length;
            for (int r : fitRows) {
                for (int j = 0; j < dim; j++) {
                    double d = raw[r][j] - mean[j];
                    sd[j] += d * d;
                }
            }
            for (int j = 0; j < dim; j++) {
                sd[j] = Math.sqrt(sd[j] / fitRows.length);
                if (!(sd[j] > 0)) sd[j] = 1;
            }
            for (int r = 0; r < raw.length; r++) {
                for (int j = 0; j < dim; j++) rows[r][j].setValue((raw[r][j] - mean[j]) / sd[j]);
            }
        }
    }
}
