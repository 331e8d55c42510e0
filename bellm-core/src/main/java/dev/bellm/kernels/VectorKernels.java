package dev.bellm.kernels;

import dev.bellm.tensor.Matrix;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import static dev.bellm.kernels.MicroKernels.BWD_ROWS;
import static dev.bellm.kernels.MicroKernels.BWD_WIDTH;
import static dev.bellm.kernels.MicroKernels.F8;
import static dev.bellm.kernels.MicroKernels.FWD_COLS;
import static dev.bellm.kernels.MicroKernels.FWD_ROWS;

/**
 * The fast {@link Kernels}: jdk.incubator.vector micro-kernels (8 float lanes, fused multiply-add) on packed
 * panels, cache-blocked, run on a fixed number of threads. Weights are read in their stored dtype (F32, BF16,
 * F16) and converted to float only a strip at a time while packing.
 *
 * <p>Forward shapes: x [m, k], w [n, k], y [m, n]. The work is cut into tiles of {@link #FWD_TILE_ROWS} rows of
 * x by {@link #FWD_TILE_COLS} rows of w; a tile packs its rows of x once (panels of 3 rows, interleaved per
 * 8-float chunk, zero-padded to a multiple of 8 in k), then for each k-block of {@link #FWD_K_BLOCK} and each strip
 * of 4 rows of w packs the strip and runs the 3×4 micro-kernel over the panels. Every output is summed in the
 * order {@link MicroKernels} fixes, whatever m, the tiling or the thread count: a row of x gives the same bits
 * alone or in any batch.
 *
 * <p>Backward shapes: dy [m, n], w [n, k], dx [m, k]. Tiles of {@link #BWD_TILE_ROWS} rows of dx by
 * {@link #BWD_TILE_COLS} columns; each tile packs blocks of {@link #BWD_N_BLOCK} rows of w for its columns and runs
 * the 4×24 micro-kernel, j increasing. Tiles write disjoint parts of dx, so there are no races.
 *
 * <p>Threads: the calling thread works too, with {@code threads - 1} pool threads. A {@link #parallelFor} (or
 * matmul) called from inside one of this instance's tasks runs on the calling thread alone.
 */
public final class VectorKernels implements Kernels, AutoCloseable {
    static final int FWD_TILE_ROWS = 48;
    static final int FWD_TILE_COLS = 64;
    /** Floats of k per block: a 4-row strip of w (8 KiB) and a 3-row panel of x stay in L1 while a tile uses them. */
    static final int FWD_K_BLOCK = 512;
    static final int BWD_TILE_ROWS = 64;
    static final int BWD_TILE_COLS = 4 * BWD_WIDTH;
    /** Rows of w per packed backward block: 256 × 96 floats, 96 KiB, in L2. */
    static final int BWD_N_BLOCK = 256;
    /** Below this many multiply-adds a matmul runs on the calling thread: waking the pool would cost more. */
    static final long SERIAL_WORK = 1L << 17;

    /** Distinguishes matmul calls, so a thread knows whether the x panels it packed belong to this call. */
    private static final AtomicLong CALLS = new AtomicLong();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int threads;
    private final ExecutorService pool;

    /** @param threads how many threads compute, the calling thread included; at least 1 */
    public VectorKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, new WorkerFactory(this));
    }

    @Override
    public int threads() {
        return threads;
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
        ForwardPlan plan = new ForwardPlan(x, m, w, y, CALLS.incrementAndGet());
        run(plan.rowTiles * plan.colTiles, plan::tile, (long) m * n * k >= SERIAL_WORK);
    }

    /** One forward call's shapes and tiling; {@link #tile} computes one tile of y. */
    private record ForwardPlan(float[] x, int m, Matrix w, float[] y, long call, int n, int k, int chunks,
                               int rowTiles, int colTiles) {
        ForwardPlan(float[] x, int m, Matrix w, float[] y, long call) {
            this(x, m, w, y, call, w.rows, w.cols, ceilDiv(w.cols, 8), ceilDiv(m, FWD_TILE_ROWS),
                    ceilDiv(w.rows, FWD_TILE_COLS));
        }

        void tile(int index) {
            int rowTile = index / colTiles;
            int i0 = rowTile * FWD_TILE_ROWS, rows = Math.min(FWD_TILE_ROWS, m - i0);
            int j0 = (index % colTiles) * FWD_TILE_COLS, cols = Math.min(FWD_TILE_COLS, n - j0);
            int strips = ceilDiv(cols, FWD_COLS);
            int accCols = ceilDiv(strips * FWD_COLS, 8) * 8;
            int accRow = accCols * 8;
            Scratch s = SCRATCH.get();
            float[] panels = s.xPanels(rows * chunks * 8);
            if (s.packedCall != call || s.packedRowTile != rowTile) {
                packRows(i0, rows, panels);
                s.packedCall = call;
                s.packedRowTile = rowTile;
            }
            float[] acc = s.accumulators(rows * accRow);
            Arrays.fill(acc, 0, rows * accRow, 0f);
            float[] strip = s.wStrip(FWD_K_BLOCK / 8 * FWD_COLS * 8);
            for (int c0 = 0; c0 < chunks; c0 += FWD_K_BLOCK / 8) {
                int blockChunks = Math.min(FWD_K_BLOCK / 8, chunks - c0);
                for (int st = 0; st < strips; st++) {
                    int j = j0 + st * FWD_COLS;
                    for (int q = 0; q < FWD_COLS; q++) {
                        int count = q < cols - st * FWD_COLS ? k - c0 * 8 : 0; // rows past n pack as zeros
                        WeightChunks.convert(w, j + q, c0 * 8, count, blockChunks, strip, q * 8, FWD_COLS * 8);
                    }
                    int ao = st * FWD_COLS * 8;
                    for (int r = 0; r < rows; r += FWD_ROWS) {
                        int panelRows = Math.min(FWD_ROWS, rows - r);
                        int xo = r * chunks * 8 + c0 * panelRows * 8;
                        if (panelRows == FWD_ROWS) {
                            MicroKernels.forward3x4(panels, xo, strip, 0, blockChunks, acc, r * accRow + ao, accRow);
                        } else {
                            for (int q = 0; q < panelRows; q++) {
                                MicroKernels.forward1x4(panels, xo + q * 8, panelRows * 8, strip, 0, blockChunks, acc,
                                        (r + q) * accRow + ao);
                            }
                        }
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                int yo = (i0 + r) * n + j0;
                for (int g = 0; g < cols; g += 8) {
                    FloatVector sums = MicroKernels.reduce8(acc, r * accRow + g * 8);
                    if (cols - g >= 8) sums.intoArray(y, yo + g);
                    else sums.intoArray(y, yo + g, F8.indexInRange(0, cols - g));
                }
            }
        }

        /**
         * Packs rows [i0, i0 + rows) of x into panels of 3 rows (fewer for the last): a panel starting at tile row
         * r begins at {@code r·chunks·8} and holds chunk c of its row q at {@code (c·panelRows + q)·8}.
         */
        private void packRows(int i0, int rows, float[] panels) {
            int full = k / 8;
            for (int r = 0; r < rows; r += FWD_ROWS) {
                int panelRows = Math.min(FWD_ROWS, rows - r);
                for (int q = 0; q < panelRows; q++) {
                    int src = (i0 + r + q) * k;
                    int dst = r * chunks * 8 + q * 8;
                    int step = panelRows * 8;
                    for (int c = 0; c < full; c++) FloatVector.fromArray(F8, x, src + c * 8).intoArray(panels, dst + c * step);
                    if (full < chunks) {
                        int at = dst + full * step;
                        int tail = k - full * 8;
                        System.arraycopy(x, src + full * 8, panels, at, tail);
                        Arrays.fill(panels, at + tail, at + 8, 0f);
                    }
                }
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
        BackwardPlan plan = new BackwardPlan(dy, m, w, dx);
        run(plan.rowTiles * plan.colTiles, plan::tile, (long) m * n * k >= SERIAL_WORK);
    }

    /** One backward call's shapes and tiling; {@link #tile} accumulates one tile of dx. */
    private record BackwardPlan(float[] dy, int m, Matrix w, float[] dx, int n, int k, int rowTiles, int colTiles) {
        BackwardPlan(float[] dy, int m, Matrix w, float[] dx) {
            this(dy, m, w, dx, w.rows, w.cols, ceilDiv(m, BWD_TILE_ROWS), ceilDiv(w.cols, BWD_TILE_COLS));
        }

        void tile(int index) {
            int i0 = (index / colTiles) * BWD_TILE_ROWS, rows = Math.min(BWD_TILE_ROWS, m - i0);
            int c0 = (index % colTiles) * BWD_TILE_COLS, cols = Math.min(BWD_TILE_COLS, k - c0);
            int groups = ceilDiv(cols, BWD_WIDTH);
            int tileRow = groups * BWD_WIDTH;
            Scratch s = SCRATCH.get();
            float[] tile = s.dxTile(rows * tileRow);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(dx, (i0 + r) * k + c0, tile, r * tileRow, cols);
                Arrays.fill(tile, r * tileRow + cols, (r + 1) * tileRow, 0f);
            }
            float[] block = s.wBlock(BWD_N_BLOCK * tileRow);
            for (int j0 = 0; j0 < n; j0 += BWD_N_BLOCK) {
                int count = Math.min(BWD_N_BLOCK, n - j0);
                // group g of the block holds w[j0 + j, c0 + 24g ..+24) at (g·count + j)·24
                for (int j = 0; j < count; j++) {
                    for (int g = 0; g < groups; g++) {
                        WeightChunks.convert(w, j0 + j, c0 + g * BWD_WIDTH, cols - g * BWD_WIDTH, BWD_WIDTH / 8, block,
                                (g * count + j) * BWD_WIDTH, 8);
                    }
                }
                for (int g = 0; g < groups; g++) {
                    int wo = g * count * BWD_WIDTH;
                    int r = 0;
                    for (; r + BWD_ROWS <= rows; r += BWD_ROWS) {
                        MicroKernels.backward4x3(dy, (i0 + r) * n + j0, n, count, block, wo, tile,
                                r * tileRow + g * BWD_WIDTH, tileRow);
                    }
                    for (; r < rows; r++) {
                        MicroKernels.backward1x3(dy, (i0 + r) * n + j0, count, block, wo, tile, r * tileRow + g * BWD_WIDTH);
                    }
                }
            }
            for (int r = 0; r < rows; r++) System.arraycopy(tile, r * tileRow, dx, (i0 + r) * k + c0, cols);
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

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Per-thread packing buffers, grown on demand and kept for the thread's lifetime. */
    private static final class Scratch {
        private float[] xPanels = new float[0];
        private float[] wStrip = new float[0];
        private float[] accumulators = new float[0];
        private float[] dxTile = new float[0];
        private float[] wBlock = new float[0];
        long packedCall = -1;
        int packedRowTile = -1;

        float[] xPanels(int size) {
            if (xPanels.length < size) {
                xPanels = new float[size];
                packedCall = -1;
            }
            return xPanels;
        }

        float[] wStrip(int size) {
            if (wStrip.length < size) wStrip = new float[size];
            return wStrip;
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

    private record WorkerFactory(VectorKernels owner, AtomicInteger created) implements java.util.concurrent.ThreadFactory {
        WorkerFactory(VectorKernels owner) {
            this(owner, new AtomicInteger());
        }

        @Override
        public Thread newThread(Runnable body) {
            return new Worker(owner, body, "bellm-kernels-" + created.incrementAndGet());
        }
    }
}
