package dev.bellm.train.distill;

import dev.bellm.embed.Dense;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The student's projection: its hand-written gradient against central differences, its least-squares start, its Dense form. */
class ProjectionTest {
    private static final int IN = 5, OUT = 7, N = 4;

    private static float[][] random(SplittableRandom rng, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) for (int j = 0; j < cols; j++) row[j] = (float) rng.nextGaussian();
        return m;
    }

    private static Projection randomProjection(SplittableRandom rng) {
        Projection p = new Projection(IN, OUT);
        float[] w = new float[OUT * IN], b = new float[OUT];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() / Math.sqrt(IN));
        for (int i = 0; i < b.length; i++) b[i] = (float) (0.1 * rng.nextGaussian());
        p.set(w, b);
        return p;
    }

    /** L(W, b, s) = loss(W·s + b, t), in double through the float forward (central differences, h = 1e-3). */
    private static double loss(DistillLoss loss, Projection p, float[][] s, float[][] t) {
        return loss.forward(p.forward(s), t, null);
    }

    @Test
    void theGradientMatchesCentralDifferences() {
        for (DistillLoss kind : DistillLoss.values()) {
            SplittableRandom rng = new SplittableRandom(7);
            Projection p = randomProjection(rng);
            float[][] s = random(rng, N, IN), t = random(rng, N, OUT);
            float[][] y = p.forward(s), dy = new float[N][OUT];
            kind.forward(y, t, dy);
            float[][] ds = p.backward(s, dy);
            float[] w = p.weight.toFloats(), b = p.bias.toFloats();
            double h = 1e-3;
            for (int i = 0; i < w.length; i++) {
                float[] plus = w.clone(), minus = w.clone();
                plus[i] += (float) h;
                minus[i] -= (float) h;
                p.set(plus, b);
                double lp = loss(kind, p, s, t);
                p.set(minus, b);
                double lm = loss(kind, p, s, t);
                p.set(w, b);
                assertEquals((lp - lm) / (plus[i] - minus[i]), p.dWeight[i], 2e-3 * Math.max(1e-2, Math.abs(p.dWeight[i])) + 2e-4, kind + " dW[" + i + "]");
            }
            for (int o = 0; o < OUT; o++) {
                float[] plus = b.clone(), minus = b.clone();
                plus[o] += (float) h;
                minus[o] -= (float) h;
                p.set(w, plus);
                double lp = loss(kind, p, s, t);
                p.set(w, minus);
                double lm = loss(kind, p, s, t);
                p.set(w, b);
                assertEquals((lp - lm) / (plus[o] - minus[o]), p.dBias[o], 2e-3 * Math.max(1e-2, Math.abs(p.dBias[o])) + 2e-4, kind + " db[" + o + "]");
            }
            for (int r = 0; r < N; r++) {
                for (int j = 0; j < IN; j++) {
                    float keep = s[r][j];
                    s[r][j] = keep + (float) h;
                    double lp = loss(kind, p, s, t);
                    float up = s[r][j];
                    s[r][j] = keep - (float) h;
                    double lm = loss(kind, p, s, t);
                    float down = s[r][j];
                    s[r][j] = keep;
                    assertEquals((lp - lm) / (up - down), ds[r][j], 2e-3 * Math.max(1e-2, Math.abs(ds[r][j])) + 2e-4, kind + " ds[" + r + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void backwardAccumulatesOverCalls() {
        SplittableRandom rng = new SplittableRandom(3);
        Projection p = randomProjection(rng);
        float[][] s = random(rng, N, IN), dy = random(rng, N, OUT);
        p.backward(s, dy);
        float[] once = p.dWeight.clone();
        p.backward(s, dy);
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], p.dWeight[i], 1e-5 * Math.max(1, Math.abs(once[i])));
    }

    @Test
    void theLeastSquaresStartRecoversAnExactLinearMap() {
        SplittableRandom rng = new SplittableRandom(11);
        Projection truth = randomProjection(rng);
        float[][] s = random(rng, 50, IN), t = truth.forward(s);
        Projection fitted = new Projection(IN, OUT);
        fitted.fit(s, t);
        // the ridge (1e-4 of the mean diagonal) shrinks the map by about that much: agreement to ~1e-3
        assertArrayEquals(truth.weight.toFloats(), fitted.weight.toFloats(), 2e-3f);
        assertArrayEquals(truth.bias.toFloats(), fitted.bias.toFloats(), 2e-3f);
        float[][] y = fitted.forward(random(new SplittableRandom(5), 1, IN));
        assertEquals(OUT, y[0].length);
    }

    @Test
    void itIsSavedAsTheDenseHeadThatComputesTheSameVector() {
        SplittableRandom rng = new SplittableRandom(13);
        Projection p = randomProjection(rng);
        Dense dense = p.toDense();
        assertEquals(IN, dense.in());
        assertEquals(OUT, dense.out());
        assertEquals(Dense.Activation.IDENTITY, dense.activation());
        float[] x = random(rng, 1, IN)[0];
        assertArrayEquals(p.forward(new float[][] {x})[0], dense.forward(x)); // both sum in double: bit for bit
    }

    @Test
    void wrongShapesAreRefused() {
        Projection p = new Projection(IN, OUT);
        assertThrows(IllegalArgumentException.class, () -> p.forward(new float[1][IN + 1]));
        assertThrows(IllegalArgumentException.class, () -> p.fit(new float[2][IN], new float[3][OUT]));
        assertThrows(IllegalArgumentException.class, () -> new Projection(0, OUT));
    }
}
