package dev.bellm.train.distill;

import java.util.Locale;

/**
 * How far a student's embedding is from its teacher's, averaged over a batch of n sentences, with the gradient
 * with respect to the student's vectors.
 * <ul>
 *   <li>{@link #COSINE}: {@code L = (1/n) Σ_i (1 − cos(s_i, t_i))}; {@code ∂L/∂s_i = −(1/n)(t_i/(|s_i||t_i|) − cos_i·s_i/|s_i|²)}.
 *       Only directions count, which is all cosine similarity (STS, retrieval) reads.</li>
 *   <li>{@link #MSE}: {@code L = (1/(n·d)) Σ_i |s_i − t_i|²}; {@code ∂L/∂s_i = (2/(n·d))(s_i − t_i)}. Also matches the
 *       norms, for users of unnormalised dot products.</li>
 * </ul>
 */
public enum DistillLoss {
    COSINE, MSE;

    public static DistillLoss parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown distillation loss '" + name + "'; use cosine or mse");
        }
    }

    /** The batch loss; writes {@code ∂L/∂student[i]} into {@code grad[i]} when grad is not null. Shapes: [n][d]. */
    public double forward(float[][] student, float[][] teacher, float[][] grad) {
        int n = student.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            float[] s = student[i], t = teacher[i];
            int d = s.length;
            if (this == MSE) {
                for (int j = 0; j < d; j++) {
                    double diff = s[j] - t[j];
                    loss += diff * diff / ((double) n * d);
                    if (grad != null) grad[i][j] = (float) (2 * diff / ((double) n * d));
                }
                continue;
            }
            double ss = 0, tt = 0, st = 0;
            for (int j = 0; j < d; j++) {
                ss += (double) s[j] * s[j];
                tt += (double) t[j] * t[j];
                st += (double) s[j] * t[j];
            }
            if (ss == 0 || tt == 0) { // no direction: cosine 0, and no gradient to follow
                loss += 1.0 / n;
                continue;
            }
            double norms = Math.sqrt(ss * tt), cos = st / norms;
            loss += (1 - cos) / n;
            if (grad != null) for (int j = 0; j < d; j++) grad[i][j] = (float) (-(t[j] / norms - cos * s[j] / ss) / n);
        }
        return loss;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
