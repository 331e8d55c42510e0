package dev.bellm.kernels;

import dev.bellm.tensor.Matrix;

import java.util.function.IntConsumer;

/** Plain loops, one thread: the readable reference for {@link Kernels}. Too slow for real models. */
public final class NaiveKernels implements Kernels {

    @Override
    public void matmul(float[] x, int m, Matrix w, float[] y) {
        int n = w.rows, k = w.cols;
        float[] row = new float[k];
        for (int j = 0; j < n; j++) {
            w.row(j, row, 0);
            for (int i = 0; i < m; i++) {
                float sum = 0;
                for (int c = 0; c < k; c++) sum += x[i * k + c] * row[c];
                y[i * n + j] = sum;
            }
        }
    }

    @Override
    public void matmulBackward(float[] dy, int m, Matrix w, float[] dx) {
        int n = w.rows, k = w.cols;
        float[] row = new float[k];
        for (int j = 0; j < n; j++) {
            w.row(j, row, 0);
            for (int i = 0; i < m; i++) {
                float g = dy[i * n + j];
                for (int c = 0; c < k; c++) dx[i * k + c] += g * row[c];
            }
        }
    }

    @Override
    public void parallelFor(int count, IntConsumer task) {
        for (int i = 0; i < count; i++) task.accept(i);
    }

    @Override
    public int threads() {
        return 1;
    }
}
