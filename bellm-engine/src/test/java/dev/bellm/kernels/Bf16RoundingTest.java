package dev.bellm.kernels;

import dev.bellm.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector rounding against the scalar {@link DType#floatToBf16}, bit for bit, on values chosen to hit every branch. */
class Bf16RoundingTest {
    @Test
    void matchesTheScalarRoundingOnSpecialAndRandomValues() {
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001),
                Float.intBitsToFloat(0xffc12345), Float.intBitsToFloat(0x7fbfffff),
                Float.intBitsToFloat(0x3f808000), Float.intBitsToFloat(0x3f818000), // ties: to even down, to even up
                Float.intBitsToFloat(0x3f808001), Float.intBitsToFloat(0x3f807fff), Float.intBitsToFloat(0x7f7f8000)};
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 20_000 + special.length; // enough loop trips for C2 to compile the vector loop, not only interpret it
        float[] x = new float[n];
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < n; i++) x[i] = Float.intBitsToFloat(rnd.nextInt());
        for (int from : new int[] {0, 3}) {
            for (int to : new int[] {n, n - 5, from + 7, from}) {
                short[] out = new short[n];
                Bf16Rounding.round(x, out, from, to);
                for (int i = 0; i < n; i++) {
                    short expected = i >= from && i < to ? DType.floatToBf16(x[i]) : 0;
                    assertEquals(expected, out[i], "x[" + i + "] = " + Integer.toHexString(Float.floatToRawIntBits(x[i]))
                            + " (range " + from + ".." + to + ")");
                }
            }
        }
    }
}
