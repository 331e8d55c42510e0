package dev.bellm.train.distill;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DistillLossTest {
    @ParameterizedTest
    @EnumSource(DistillLoss.class)
    void gradientMatchesCentralDifferencesAndTheLossIsZeroAtTheTeacher(DistillLoss loss) {
        SplittableRandom rng = new SplittableRandom(4);
        float[][] s = new float[3][5], t = new float[3][5], g = new float[3][5];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) {
            s[i][j] = (float) rng.nextGaussian();
            t[i][j] = (float) rng.nextGaussian();
        }
        loss.forward(s, t, g);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) {
            float v = s[i][j], eps = 1e-3f;
            s[i][j] = v + eps;
            double up = loss.forward(s, t, null);
            s[i][j] = v - eps;
            double down = loss.forward(s, t, null);
            s[i][j] = v;
            assertEquals((up - down) / (2 * eps), g[i][j], 1e-3, "d/ds[" + i + "][" + j + "]");
        }
        assertEquals(0, loss.forward(t, t, null), 1e-6);
    }
}
