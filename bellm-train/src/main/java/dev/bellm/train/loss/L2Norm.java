package dev.bellm.train.loss;

/**
 * Row-wise L2 normalisation as {@code torch.nn.functional.normalize} does it: {@code x / max(‖x‖, 1e-12)},
 * so an all-zero row maps to zero instead of NaN, exactly as in the AnglE reference code.
 */
public final class L2Norm {
    /** The floor on the norm, F.normalize's default eps. */
    public static final double EPS = 1e-12;

    private L2Norm() {}

    /**
     * Shapes: x [rows, dim], unit [rows, dim], norms [rows].
     * Writes {@code unit = x / max(‖x‖, EPS)} and each row's norm ‖x‖ (which {@link #backward} needs).
     */
    public static void forward(double[] x, int rows, int dim, double[] unit, double[] norms) {
        for (int r = 0; r < rows; r++) {
            int row = r * dim;
            double squares = 0;
            for (int c = 0; c < dim; c++) squares += x[row + c] * x[row + c];
            norms[r] = Math.sqrt(squares);
            double scale = 1 / Math.max(norms[r], EPS);
            for (int c = 0; c < dim; c++) unit[row + c] = x[row + c] * scale;
        }
    }

    /**
     * Shapes: dUnit [rows, dim], unit [rows, dim], norms [rows], dx [rows, dim].
     * Overwrites dx with {@code (dUnit − unit·(unit·dUnit)) / ‖x‖}, the gradient through the division by the
     * norm; where the norm was floored at EPS the denominator is a constant and {@code dx = dUnit / EPS}.
     * dx may be the same array as dUnit.
     */
    public static void backward(double[] dUnit, double[] unit, double[] norms, int rows, int dim, double[] dx) {
        for (int r = 0; r < rows; r++) {
            int row = r * dim;
            if (norms[r] <= EPS) {
                for (int c = 0; c < dim; c++) dx[row + c] = dUnit[row + c] / EPS;
                continue;
            }
            double radial = 0;
            for (int c = 0; c < dim; c++) radial += unit[row + c] * dUnit[row + c];
            double inverseNorm = 1 / norms[r];
            for (int c = 0; c < dim; c++) dx[row + c] = (dUnit[row + c] - unit[row + c] * radial) * inverseNorm;
        }
    }

    /** The dot product of rows i and j of a [rows, dim] matrix. */
    static double dot(double[] m, int dim, int i, int j) {
        double sum = 0;
        for (int c = 0, a = i * dim, b = j * dim; c < dim; c++) sum += m[a + c] * m[b + c];
        return sum;
    }
}
