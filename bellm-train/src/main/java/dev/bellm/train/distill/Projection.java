package dev.bellm.train.distill;

import dev.bellm.embed.Dense;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The trainable linear map from a student's pooled vector to the teacher's width: {@code y = W·s + b}, W [out, in],
 * b [out]. Saved as a sentence-transformers {@code Dense} head (identity activation), so the student folder runs it
 * with no other setting.
 *
 * <p>Backward, for a batch of n rows with upstream gradient {@code dy_i = ∂L/∂y_i}: {@code ∂L/∂W += Σ_i dy_i ⊗ s_i},
 * {@code ∂L/∂b += Σ_i dy_i}, {@code ∂L/∂s_i = Wᵀ·dy_i}.
 *
 * <p>{@link #fit} starts it at the ridge least-squares map from the untrained student's vectors to the teacher's:
 * the best a linear read-out of the student can do before any training, so distillation starts from (and is
 * measured against) that, not from a random map.
 */
public final class Projection {
    /** Ridge strength relative to the mean diagonal of XᵀX: enough to keep a rank-deficient fit solvable, too little to bias it. */
    static final double RIDGE = 1e-4;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** [out, in], F32 on the heap; trained in place. */
    public final Matrix weight;
    /** [1, out], F32 on the heap; trained in place. */
    public final Matrix bias;
    /** Gradient buffers, the shapes of {@link #weight} and {@link #bias}, accumulated by {@link #backward}. */
    public final float[] dWeight, dBias;
    private final int in, out;

    /** A zero map of {@code in} student features to {@code out} teacher features. */
    public Projection(int in, int out) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("projection shape [" + out + ", " + in + "] must be positive");
        this.in = in;
        this.out = out;
        this.weight = Matrix.of("projection.weight", DType.F32, out, in, new float[out * in]);
        this.bias = Matrix.of("projection.bias", DType.F32, 1, out, new float[out]);
        this.dWeight = new float[out * in];
        this.dBias = new float[out];
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** Forward. Shapes: s [n][in] → [n][out], summed in double as {@link Dense#forward} does. */
    public float[][] forward(float[][] s) {
        float[] w = weight.toFloats(), b = bias.toFloats();
        float[][] y = new float[s.length][out];
        for (int i = 0; i < s.length; i++) {
            check(s[i]);
            for (int o = 0; o < out; o++) {
                double sum = b[o];
                for (int j = 0; j < in; j++) sum += (double) w[o * in + j] * s[i][j];
                y[i][o] = (float) sum;
            }
        }
        return y;
    }

    /** Backward: accumulates {@code ∂L/∂W} and {@code ∂L/∂b} and returns {@code ∂L/∂s} [n][in]. Shapes: s [n][in], dy [n][out]. */
    public float[][] backward(float[][] s, float[][] dy) {
        float[] w = weight.toFloats();
        float[][] ds = new float[s.length][in];
        for (int i = 0; i < s.length; i++) {
            for (int o = 0; o < out; o++) {
                float g = dy[i][o];
                if (g == 0) continue;
                dBias[o] += g;
                for (int j = 0; j < in; j++) {
                    dWeight[o * in + j] += g * s[i][j];
                    ds[i][j] += w[o * in + j] * g;
                }
            }
        }
        return ds;
    }

    /**
     * Sets W and b to the ridge least-squares solution of {@code y_i ≈ W·s_i + b} over the pairs (s_i, t_i):
     * {@code (XᵀX + λI)·[W b]ᵀ = XᵀT} with {@code X = [s 1]}, λ = {@value #RIDGE} × the mean diagonal of XᵀX.
     */
    public void fit(float[][] s, float[][] t) {
        if (s.length == 0 || s.length != t.length) throw new IllegalArgumentException("fitting a projection needs as many targets as inputs, got "
                + s.length + " and " + t.length);
        int k = in + 1;
        double[][] xtx = new double[k][k], xtt = new double[k][out];
        double[] x = new double[k];
        for (int i = 0; i < s.length; i++) {
            check(s[i]);
            if (t[i].length != out) throw new IllegalArgumentException("target " + i + " has " + t[i].length + " features, the projection gives " + out);
            for (int j = 0; j < in; j++) x[j] = s[i][j];
            x[in] = 1;
            for (int a = 0; a < k; a++) {
                if (x[a] == 0) continue;
                for (int c = 0; c < k; c++) xtx[a][c] += x[a] * x[c];
                for (int o = 0; o < out; o++) xtt[a][o] += x[a] * t[i][o];
            }
        }
        double trace = 0;
        for (int a = 0; a < k; a++) trace += xtx[a][a];
        double ridge = RIDGE * trace / k + Double.MIN_NORMAL;
        for (int a = 0; a < k; a++) xtx[a][a] += ridge;
        RealMatrix solution;
        try {
            solution = new CholeskyDecomposition(MatrixUtils.createRealMatrix(xtx), 1e-12, 1e-14).getSolver()
                    .solve(MatrixUtils.createRealMatrix(xtt));
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalArgumentException("the student's vectors are degenerate (all zero?): no projection fits them", e);
        }
        float[] w = new float[out * in], b = new float[out];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) w[o * in + j] = (float) solution.getEntry(j, o);
            b[o] = (float) solution.getEntry(in, o);
        }
        set(w, b);
    }

    /** Replaces W [out·in] and b [out]. */
    public void set(float[] w, float[] b) {
        if (w.length != out * in || b.length != out) throw new IllegalArgumentException("projection values of the wrong shape");
        for (int i = 0; i < w.length; i++) weight.data.setAtIndex(F32, i, w[i]);
        for (int i = 0; i < b.length; i++) bias.data.setAtIndex(F32, i, b[i]);
    }

    /** The map as it is now, as a sentence-transformers Dense head. */
    public Dense toDense() {
        return new Dense(in, out, weight.toFloats(), bias.toFloats(), Dense.Activation.IDENTITY);
    }

    private void check(float[] s) {
        if (s.length != in) throw new IllegalArgumentException("the projection takes " + in + " features, got " + s.length);
    }
}
