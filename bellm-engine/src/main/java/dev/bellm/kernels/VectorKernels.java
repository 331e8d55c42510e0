package dev.bellm.kernels;

import dev.bellm.tensor.Matrix;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import static dev.bellm.kernels.MicroKernels.BWD_ROWS;
import static dev.bellm.kernels.MicroKernels.BWD_WIDTH;
import static dev.bellm.kernels.KernelShape.COLS;

/**
 * The fast {@link Kernels}: jdk.incubator.vector micro-kernels (fused multiply-add) on packed panels, cache-blocked,
 * run on a fixed number of threads. Weights are read in their stored dtype (F32, BF16, F16) and converted to float a
 * column tile at a time (at most {@link #FWD_TILE_COLS} rows of w), never whole.
 *
 * <p>The forward's vector width and register tile are a {@link KernelShape}, chosen at start-up for the machine
 * (8 lanes and a 2×4 tile on AVX2's 16 registers, 16 lanes and 4×4 on AVX-512's 32) or forced by a system property.
 *
 * <p>Forward shapes: x [m, k], w [n, k], y [m, n]. First x is packed into panels of the shape's row count,
 * interleaved per L-float chunk (L = lanes) and zero-padded to a multiple of L in k. Then each task takes a column
 * tile of y (rows of w), converts it into strips of 4 rows, and for each row tile of {@link #FWD_TILE_ROWS} rows, each
 * k-block of {@link #K_BLOCK} floats and each strip runs the micro-kernel over the panels, keeping L-lane
 * accumulators per output; at the end the lanes are folded into y. Every output is summed in the order
 * {@link ForwardKernel} fixes, whatever m, the tiling or the thread count: a row of x gives the same bits alone or
 * in any batch. Column tiles are at most n / (4·threads) wide, so even one row (batch 1) keeps every thread busy.
 *
 * <p>When k is at most {@link #OUTER_MAX_K} (small models, LoRA's B), the forward takes another path, chosen by k
 * alone so that a given w always takes the same one: outer products as in the backward, with w transposed once per
 * call and x read in place (see {@code OuterPlan}). There each output is one lane summed with c increasing, so it
 * too gives a row the same bits alone or in any batch.
 *
 * <p>Backward shapes: dy [m, n], w [n, k], dx [m, k]. Each task takes a column tile of {@link #BWD_TILE_COLS}
 * columns of dx, converts w's columns in blocks of {@link #BWD_N_BLOCK} rows and, for each row tile of
 * {@link #BWD_TILE_ROWS} rows, runs the 2×32 micro-kernel with j increasing. Tasks write disjoint parts of dx,
 * so there are no races.
 *
 * <p>Threads: the calling thread works too, with {@code threads - 1} pool threads. A {@link #parallelFor} (or
 * matmul) called from inside one of this instance's tasks runs on that thread alone. Instances may be shared:
 * each call keeps its packing buffers per thread.
 */
public final class VectorKernels implements Kernels, AutoCloseable {
    static final int FWD_TILE_ROWS = 48;
    static final int FWD_TILE_COLS = 64;
    /** Floats of k per block: a 4-row strip of w (8 KiB) stays in L1 while the panels of a row tile pass. */
    static final int K_BLOCK = 512;
    static final int BWD_TILE_ROWS = 64;
    static final int BWD_TILE_COLS = 4 * BWD_WIDTH;
    /** Rows of w per converted backward block: one 32-column group of it (16 KiB) stays in L1 while the panels pass. */
    static final int BWD_N_BLOCK = 128;
    /**
     * Forward matmuls with rows this short (k, shared by every row of x) take the outer-product path, where folding
     * each output's 8 lanes and packing x would cost as much as the multiply-adds themselves.
     */
    static final int OUTER_MAX_K = 256;
    /** Rows of x (and y) per task of the outer-product forward. */
    static final int OUTER_TILE_ROWS = 64;
    /** Below this many multiply-adds a matmul runs on the calling thread: waking the pool would cost more. */
    static final long SERIAL_WORK = 1L << 17;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int threads;
    private final KernelShape shape;
    private final ExecutorService pool;

    /**
     * @param threads how many threads compute, the calling thread included; at least 1. The forward micro-kernel
     *                shape is {@link KernelShape#configured()}: the machine's, unless {@value KernelShape#PROPERTY} says.
     */
    public VectorKernels(int threads) {
        this(threads, KernelShape.configured());
    }

    /** @param shape the forward micro-kernel shape (vector width and register tile) */
    public VectorKernels(int threads, KernelShape shape) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.shape = java.util.Objects.requireNonNull(shape, "shape");
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, new WorkerFactory(this));
    }

    @Override
    public int threads() {
        return threads;
    }

    /** The forward micro-kernel shape this instance runs. */
    public KernelShape shape() {
        return shape;
    }

    @Override
    public String describe() {
        return "java: " + shape.describe() + ", " + threads + " threads";
    }

    /** Stops the pool threads. Calls after this still work, on the calling thread alone. */
    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }

    @Override
    public void parallelFor(int count, IntConsumer task) {
        if (count < 0) {
            throw new IllegalArgumentException("parallelFor count must be >= 0, got " + count);
        }
        run(count, task, true);
    }

    private void run(int count, IntConsumer task, boolean parallel) {
        if (!parallel || count <= 1 || pool == null || pool.isShutdown() || onOwnWorker()) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        ParallelLoop loop = new ParallelLoop(count, task);
        int helpers = Math.min(threads, count) - 1;
        for (int h = 0; h < helpers; h++) pool.execute(loop::help);
        loop.runAndAwait();
    }

    private boolean onOwnWorker() {
        return Thread.currentThread() instanceof Worker w && w.owner == this;
    }

    // ---------------------------------------------------------------- forward

    @Override
    public void matmul(float[] x, int m, Matrix w, float[] y) {
        int n = w.rows, k = w.cols;
        checkLength("matmul", w, "x", x, m, k, "m·k");
        checkLength("matmul", w, "y", y, m, n, "m·n");
        if (m == 0) return;
        boolean parallel = (long) m * n * k >= SERIAL_WORK;
        if (k <= OUTER_MAX_K) {
            // decided by k alone, so every row of a given w takes the same path, whatever m
            OuterPlan plan = OuterPlan.of(x, m, w, y);
            run(plan.groups * plan.rowTiles, plan::tile, parallel);
            return;
        }
        int lanes = shape.lanes;
        long packedSize = (long) m * Math.ceilDiv(k, lanes) * lanes;
        if (packedSize > MAX_ARRAY) {
            throw new IllegalArgumentException("matmul with " + w + ": " + m + " rows of x padded to "
                    + Math.ceilDiv(k, lanes) * lanes + " floats exceed one Java array; call it on fewer rows at a time");
        }
        // the calling thread owns the packed x for this call; the tasks only read it
        float[] panels = SCRATCH.get().xPanels((int) packedSize);
        ForwardPlan plan = ForwardPlan.of(x, m, w, y, panels, shape, parallel ? threads : 1);
        run(plan.rowTiles, plan::packRows, parallel);
        run(plan.colTiles * plan.rowGroups, plan::tile, parallel);
    }

    /**
     * One forward call's shapes and tiling, for the micro-kernels {@code fk} ({@code lanes} floats per chunk, panels of
     * {@code panelRows} rows of x). Tasks are column tiles of y (rows of w), split into groups of row tiles only when
     * there are too few column tiles to keep the threads busy.
     */
    private record ForwardPlan(float[] x, int m, Matrix w, float[] y, float[] panels, ForwardKernel fk, int lanes,
                               int panelRows, int n, int k, int chunks, int blockChunks, int tileCols, int colTiles,
                               int rowTiles, int rowGroups) {
        static ForwardPlan of(float[] x, int m, Matrix w, float[] y, float[] panels, KernelShape shape, int threads) {
            int n = w.rows, lanes = shape.lanes;
            // about 4 column tiles per thread where n allows: dynamic balance when another process shares a core
            int tileCols = Math.clamp(Math.ceilDiv(Math.ceilDiv(n, 4 * threads), lanes) * (long) lanes, lanes, FWD_TILE_COLS);
            int colTiles = Math.ceilDiv(n, tileCols), rowTiles = Math.ceilDiv(m, FWD_TILE_ROWS);
            int rowGroups = Math.min(rowTiles, Math.ceilDiv(4 * threads, colTiles));
            return new ForwardPlan(x, m, w, y, panels, shape.kernel(), lanes, shape.rows, n, w.cols,
                    Math.ceilDiv(w.cols, lanes), K_BLOCK / lanes, tileCols, colTiles, rowTiles, rowGroups);
        }

        /**
         * Packs the rows of x tile {@code rowTile}. Layout: one region per k-block (the block starting at chunk c0
         * begins at {@code c0·m·L}); in it, the panel of up to {@code panelRows} rows starting at row r begins at
         * {@code r·count·L} (count: the block's chunks) and holds chunk c of its row q at {@code (c·rows + q)·L};
         * zeros past k. So the panels a row tile reads in one k-block lie one after another.
         */
        void packRows(int rowTile) {
            int end = Math.min(m, (rowTile + 1) * FWD_TILE_ROWS);
            for (int c0 = 0; c0 < chunks; c0 += blockChunks) {
                int count = Math.min(blockChunks, chunks - c0);
                for (int r = rowTile * FWD_TILE_ROWS; r < end; r += panelRows) {
                    int rows = Math.min(panelRows, end - r);
                    for (int q = 0; q < rows; q++) {
                        int dst = (c0 * m + r * count + q) * lanes;
                        for (int c = 0; c < count; c++) copyChunk(r + q, c0 + c, dst + c * rows * lanes);
                    }
                }
            }
        }

        /** Copies x[row, L·chunk ..+L) to panels[at ..+L), zero past k. */
        private void copyChunk(int row, int chunk, int at) {
            int src = row * k + chunk * lanes;
            int present = Math.min(lanes, k - chunk * lanes);
            System.arraycopy(x, src, panels, at, present);
            if (present < lanes) Arrays.fill(panels, at + present, at + lanes, 0f);
        }

        /**
         * Computes y for one column tile and one group of row tiles. With several row tiles to serve, the tile's
         * rows of w are converted once, all of k, as strips {@code [strip][chunks][4][L]}; with one, each strip is
         * converted a k-block at a time just before use, which keeps a long m = 1 call in L1. Accumulators are
         * {@code [strip][tile row][4][L]}, so the panels of one strip update one contiguous run of them.
         */
        void tile(int index) {
            int j0 = (index / rowGroups) * tileCols, cols = Math.min(tileCols, n - j0);
            int group = index % rowGroups;
            int firstTile = group * rowTiles / rowGroups, endTile = (group + 1) * rowTiles / rowGroups;
            int strips = Math.ceilDiv(cols, COLS);
            int stripsPerReduce = lanes / COLS;
            int stripAcc = FWD_TILE_ROWS * COLS * lanes;
            int accSize = Math.ceilDiv(strips, stripsPerReduce) * stripsPerReduce * stripAcc; // reduce reads whole groups
            int stripSize = COLS * lanes;
            Scratch s = SCRATCH.get();
            boolean convertOnce = endTile - firstTile > 1;
            float[] wp = s.wStrips((convertOnce ? chunks : blockChunks) * strips * stripSize);
            if (convertOnce) {
                for (int st = 0; st < strips; st++) convertStrip(j0, cols, st, 0, chunks, wp, st * chunks * stripSize);
            }
            float[] acc = s.accumulators(accSize);
            for (int rowTile = firstTile; rowTile < endTile; rowTile++) {
                int i0 = rowTile * FWD_TILE_ROWS, rows = Math.min(FWD_TILE_ROWS, m - i0);
                Arrays.fill(acc, 0, accSize, 0f);
                if (convertOnce) {
                    // k-block outer: the block's panels of this row tile stay in L2 while every strip passes over them
                    for (int c0 = 0; c0 < chunks; c0 += blockChunks) {
                        int count = Math.min(blockChunks, chunks - c0);
                        for (int st = 0; st < strips; st++) {
                            runStrip(i0, rows, c0, count, wp, (st * chunks + c0) * stripSize, acc, st * stripAcc);
                        }
                    }
                } else {
                    // strip outer: each row of w is read front to back, which the prefetchers follow
                    for (int st = 0; st < strips; st++) {
                        for (int c0 = 0; c0 < chunks; c0 += blockChunks) {
                            int count = Math.min(blockChunks, chunks - c0);
                            convertStrip(j0, cols, st, c0, count, wp, 0);
                            runStrip(i0, rows, c0, count, wp, 0, acc, st * stripAcc);
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int yo = (i0 + r) * n + j0;
                    for (int g = 0; g < cols; g += lanes) {
                        int lo = (g / COLS) * stripAcc + r * COLS * lanes;
                        fk.reduce(acc, lo, stripAcc, y, yo + g, cols - g);
                    }
                }
            }
        }

        /**
         * Runs one converted strip (at wo) over the panels of rows [i0, i0 + rows) for chunks [c0, c0 + count),
         * accumulating into {@code acc[ao ..)}, laid out {@code [tile row][4][L]}.
         */
        private void runStrip(int i0, int rows, int c0, int count, float[] wp, int wo, float[] acc, int ao) {
            int xBlock = c0 * m * lanes;
            for (int r = 0; r < rows; r += panelRows) {
                int xo = xBlock + (i0 + r) * count * lanes;
                fk.panel(panels, xo, Math.min(panelRows, rows - r), wp, wo, count, acc, ao + r * COLS * lanes);
            }
        }

        /** Converts chunks [c0, c0 + count) of strip st (4 rows of w; rows past n as zeros) as {@code [count][4][L]}. */
        private void convertStrip(int j0, int cols, int st, int c0, int count, float[] dst, int off) {
            for (int q = 0; q < COLS; q++) {
                int present = st * COLS + q < cols ? k - c0 * lanes : 0;
                WeightChunks.convert(w, j0 + st * COLS + q, c0 * lanes, present, count, lanes, dst, off + q * lanes,
                        COLS * lanes);
            }
        }
    }

    /**
     * The forward for k ≤ {@link #OUTER_MAX_K}, in the backward pass's outer-product form: {@code y[i, j] = Σ_c
     * x[i, c]·w[j, c]} with one lane per output and c increasing, one fused multiply-add per step, by the 2×32
     * backward micro-kernels. w is converted and transposed once per call, by the calling thread, into groups of 32
     * outputs {@code [group][k][32]} (zeros past n); x is read in place. Tasks are (group, tile of
     * {@link #OUTER_TILE_ROWS} rows) pairs, each writing its own block of y. A row of y gets the same bits whichever
     * kernel, tile or thread computes it.
     */
    private record OuterPlan(float[] x, int m, float[] y, float[] transposed, int n, int k, int groups, int rowTiles) {
        static OuterPlan of(float[] x, int m, Matrix w, float[] y) {
            int n = w.rows, k = w.cols, groups = Math.ceilDiv(n, BWD_WIDTH);
            Scratch s = SCRATCH.get();
            float[] row = s.wRow(Math.ceilDiv(k, 8) * 8);
            float[] transposed = s.transposed(groups * k * BWD_WIDTH);
            for (int j = 0; j < n; j++) {
                WeightChunks.convert(w, j, 0, k, Math.ceilDiv(k, 8), row, 0, 8);
                int at = (j / BWD_WIDTH) * k * BWD_WIDTH + j % BWD_WIDTH;
                for (int c = 0; c < k; c++) transposed[at + c * BWD_WIDTH] = row[c];
            }
            int lastGroup = (groups - 1) * k * BWD_WIDTH;
            for (int j = n; j < groups * BWD_WIDTH; j++) {
                for (int c = 0; c < k; c++) transposed[lastGroup + c * BWD_WIDTH + j % BWD_WIDTH] = 0f;
            }
            return new OuterPlan(x, m, y, transposed, n, k, groups, Math.ceilDiv(m, OUTER_TILE_ROWS));
        }

        /** Rows of tile {@code index % rowTiles} × the 32 outputs of group {@code index / rowTiles}. */
        void tile(int index) {
            int group = index / rowTiles, i0 = (index % rowTiles) * OUTER_TILE_ROWS, rows = Math.min(OUTER_TILE_ROWS, m - i0);
            int j0 = group * BWD_WIDTH, cols = Math.min(BWD_WIDTH, n - j0), wo = group * k * BWD_WIDTH;
            // a whole group accumulates in y itself; the last, narrower one in a 32-wide scratch tile
            boolean inPlace = cols == BWD_WIDTH;
            float[] out = inPlace ? y : SCRATCH.get().dxTile(rows * BWD_WIDTH);
            int outRow = inPlace ? n : BWD_WIDTH;
            for (int r = 0; r < rows; r++) {
                int o = inPlace ? (i0 + r) * n + j0 : r * BWD_WIDTH;
                Arrays.fill(out, o, o + BWD_WIDTH, 0f);
            }
            for (int r = 0; r < rows; r += BWD_ROWS) {
                int xo = (i0 + r) * k, o = inPlace ? (i0 + r) * n + j0 : r * BWD_WIDTH;
                if (rows - r >= BWD_ROWS) {
                    MicroKernels.backward2x4(x, xo, k, k, transposed, wo, out, o, outRow);
                } else {
                    MicroKernels.backward1x4(x, xo, k, transposed, wo, out, o);
                }
            }
            if (!inPlace) {
                for (int r = 0; r < rows; r++) System.arraycopy(out, r * BWD_WIDTH, y, (i0 + r) * n + j0, cols);
            }
        }
    }

    // ---------------------------------------------------------------- backward

    @Override
    public void matmulBackward(float[] dy, int m, Matrix w, float[] dx) {
        int n = w.rows, k = w.cols;
        checkLength("matmulBackward", w, "dy", dy, m, n, "m·n");
        checkLength("matmulBackward", w, "dx", dx, m, k, "m·k");
        if (m == 0) return;
        boolean parallel = (long) m * n * k >= SERIAL_WORK;
        BackwardPlan plan = BackwardPlan.of(dy, m, w, dx, parallel ? threads : 1);
        run(plan.colTiles * plan.rowGroups, plan::tile, parallel);
    }

    /**
     * One backward call's shapes and tiling. Tasks are column tiles of dx, split into groups of row tiles only when
     * there are too few column tiles to keep the threads busy; each writes its own part of dx.
     */
    private record BackwardPlan(float[] dy, int m, Matrix w, float[] dx, int n, int k, int colTiles, int rowTiles,
                                int rowGroups) {
        static BackwardPlan of(float[] dy, int m, Matrix w, float[] dx, int threads) {
            int colTiles = Math.ceilDiv(w.cols, BWD_TILE_COLS), rowTiles = Math.ceilDiv(m, BWD_TILE_ROWS);
            int rowGroups = Math.min(rowTiles, Math.ceilDiv(4 * threads, colTiles));
            return new BackwardPlan(dy, m, w, dx, w.rows, w.cols, colTiles, rowTiles, rowGroups);
        }

        /**
         * Accumulates dx for one column tile and one group of row tiles. Rows of w are converted for the tile's
         * columns in blocks of {@link #BWD_N_BLOCK}: the block starting at row j0 holds w[j0 + j, c0 + 32g ..+32) at
         * {@code (g·count + j)·32}. With several row tiles to serve every block is converted once, up front (block
         * j0 at {@code j0·tileRow}); with one, each just before use. dx rows are copied into a zero-padded tile,
         * accumulated with j increasing, and copied back.
         */
        void tile(int index) {
            int c0 = (index / rowGroups) * BWD_TILE_COLS, cols = Math.min(BWD_TILE_COLS, k - c0);
            int group = index % rowGroups;
            int firstTile = group * rowTiles / rowGroups, endTile = (group + 1) * rowTiles / rowGroups;
            int groups = Math.ceilDiv(cols, BWD_WIDTH);
            int tileRow = groups * BWD_WIDTH;
            Scratch s = SCRATCH.get();
            boolean convertOnce = endTile - firstTile > 1;
            float[] block = s.wBlock((convertOnce ? n : BWD_N_BLOCK) * tileRow);
            if (convertOnce) {
                for (int j0 = 0; j0 < n; j0 += BWD_N_BLOCK) convertBlock(j0, c0, cols, block, j0 * tileRow);
            }
            float[] tile = s.dxTile(BWD_TILE_ROWS * tileRow);
            for (int rowTile = firstTile; rowTile < endTile; rowTile++) {
                int i0 = rowTile * BWD_TILE_ROWS, rows = Math.min(BWD_TILE_ROWS, m - i0);
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(dx, (i0 + r) * k + c0, tile, r * tileRow, cols);
                    Arrays.fill(tile, r * tileRow + cols, (r + 1) * tileRow, 0f);
                }
                for (int j0 = 0; j0 < n; j0 += BWD_N_BLOCK) {
                    int count = Math.min(BWD_N_BLOCK, n - j0);
                    int bo = j0 * tileRow;
                    if (!convertOnce) {
                        convertBlock(j0, c0, cols, block, 0);
                        bo = 0;
                    }
                    for (int g = 0; g < groups; g++) {
                        int wo = bo + g * count * BWD_WIDTH;
                        for (int r = 0; r < rows; r += BWD_ROWS) {
                            int dyo = (i0 + r) * n + j0, to = r * tileRow + g * BWD_WIDTH;
                            if (rows - r >= BWD_ROWS) {
                                MicroKernels.backward2x4(dy, dyo, n, count, block, wo, tile, to, tileRow);
                            } else {
                                MicroKernels.backward1x4(dy, dyo, count, block, wo, tile, to);
                            }
                        }
                    }
                }
                for (int r = 0; r < rows; r++) System.arraycopy(tile, r * tileRow, dx, (i0 + r) * k + c0, cols);
            }
        }

        /** Converts rows [j0, j0 + BWD_N_BLOCK) ∩ [0, n) of w, columns [c0, c0 + cols), zero-padded to 32s. */
        private void convertBlock(int j0, int c0, int cols, float[] dst, int off) {
            int count = Math.min(BWD_N_BLOCK, n - j0);
            for (int g = 0; g * BWD_WIDTH < cols; g++) {
                for (int j = 0; j < count; j++) {
                    WeightChunks.convert(w, j0 + j, c0 + g * BWD_WIDTH, cols - g * BWD_WIDTH, BWD_WIDTH / 8, dst,
                            off + (g * count + j) * BWD_WIDTH, 8);
                }
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static void checkLength(String op, Matrix w, String name, float[] a, int m, int width, String formula) {
        if (m < 0) {
            throw new IllegalArgumentException(op + " with " + w + ": m must be >= 0, got " + m);
        }
        long needed = (long) m * width;
        if (a.length < needed) {
            throw new IllegalArgumentException(op + " with " + w + ": " + name + " has " + a.length + " floats, needs "
                    + formula + " = " + m + "·" + width + " = " + needed);
        }
    }

    /** Per-thread packing buffers, grown on demand and kept for the thread's lifetime. */
    private static final class Scratch {
        private float[] xPanels = new float[0];
        private float[] wStrips = new float[0];
        private float[] accumulators = new float[0];
        private float[] dxTile = new float[0];
        private float[] wBlock = new float[0];
        private float[] wRow = new float[0];
        private float[] transposed = new float[0];

        float[] xPanels(int size) {
            if (xPanels.length < size) xPanels = new float[size];
            return xPanels;
        }

        float[] wStrips(int size) {
            if (wStrips.length < size) wStrips = new float[size];
            return wStrips;
        }

        float[] accumulators(int size) {
            if (accumulators.length < size) accumulators = new float[size];
            return accumulators;
        }

        float[] dxTile(int size) {
            if (dxTile.length < size) dxTile = new float[size];
            return dxTile;
        }

        float[] wBlock(int size) {
            if (wBlock.length < size) wBlock = new float[size];
            return wBlock;
        }

        float[] wRow(int size) {
            if (wRow.length < size) wRow = new float[size];
            return wRow;
        }

        float[] transposed(int size) {
            if (transposed.length < size) transposed = new float[size];
            return transposed;
        }
    }

    /**
     * One parallelFor: indices handed out by a counter to the caller and the helpers that start in time. The
     * caller never waits for a helper that has not started (it may be queued behind other work); a helper that
     * starts after the loop closed does nothing.
     */
    private static final class ParallelLoop {
        private final int count;
        private final IntConsumer task;
        private final AtomicInteger next = new AtomicInteger();
        private int active;
        private boolean closed;
        private Throwable failure;

        ParallelLoop(int count, IntConsumer task) {
            this.count = count;
            this.task = task;
        }

        void help() {
            synchronized (this) {
                if (closed) return;
                active++;
            }
            try {
                drain();
            } finally {
                synchronized (this) {
                    if (--active == 0 && closed) notifyAll();
                }
            }
        }

        void runAndAwait() {
            drain();
            synchronized (this) {
                closed = true;
                boolean interrupted = false;
                while (active > 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // the helpers write into the caller's arrays: wait for them regardless
                    }
                }
                if (interrupted) Thread.currentThread().interrupt();
                if (failure instanceof RuntimeException e) throw e;
                if (failure instanceof Error e) throw e;
                if (failure != null) throw new IllegalStateException("parallelFor task failed", failure);
            }
        }

        private void drain() {
            try {
                for (int i; (i = next.getAndIncrement()) < count; ) task.accept(i);
            } catch (Throwable t) {
                next.set(count);
                synchronized (this) {
                    if (failure == null) failure = t;
                    else failure.addSuppressed(t);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        final VectorKernels owner;

        Worker(VectorKernels owner, Runnable body, String name) {
            super(body, name);
            this.owner = owner;
            setDaemon(true);
        }
    }

    private record WorkerFactory(VectorKernels owner, AtomicInteger created) implements ThreadFactory {
        WorkerFactory(VectorKernels owner) {
            this(owner, new AtomicInteger());
        }

        @Override
        public Thread newThread(Runnable body) {
            return new Worker(owner, body, "bellm-kernels-" + created.incrementAndGet());
        }
    }
}
