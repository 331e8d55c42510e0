package dev.bellm.train.loss;

import java.util.Objects;

/**
 * A training loss over one batch of sentence embeddings, with its gradient written by hand.
 *
 * <p>Shapes: {@code x [rows, dim]} row-major; {@code labels [rows]}, one per row (a pair's label is given
 * twice, as the AnglE reference code's {@code y_true} is), or null for a loss that takes none;
 * {@code gradOut [rows, dim]} or null when only the value is wanted. The row layout (zigzag pairs or
 * triplets) is the loss's own and is said in its documentation.
 *
 * <p>Everything is computed in double. The double overload is the exact one (the fixtures it is tested
 * against are float64); the float overload is what the trainer calls with the encoder's float32
 * embeddings: it widens them and rounds the gradient to float at the end.
 */
public interface Loss {

    /** The loss value; when {@code gradOut} is not null it is overwritten with dL/dx. */
    double forward(double[] x, int rows, int dim, float[] labels, double[] gradOut);

    /** {@link #forward(double[], int, int, float[], double[])} for float embeddings and a float gradient. */
    default double forward(float[] x, int rows, int dim, float[] labels, float[] gradOut) {
        Objects.requireNonNull(x, "x");
        double[] wide = new double[x.length];
        for (int i = 0; i < x.length; i++) wide[i] = x[i];
        double[] grad = gradOut == null ? null : new double[gradOut.length];
        double value = forward(wide, rows, dim, labels, grad);
        if (gradOut != null) {
            for (int i = 0; i < grad.length; i++) gradOut[i] = (float) grad[i];
        }
        return value;
    }
}
