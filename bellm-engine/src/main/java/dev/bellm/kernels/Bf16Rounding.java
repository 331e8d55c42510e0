package dev.bellm.kernels;

import dev.bellm.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rounds float activations to bf16 for a bf16 dot-product GEMM, eight at a time, with exactly the bits of
 * {@link DType#floatToBf16} (round to nearest, ties to even; a NaN stays a quiet NaN with its sign and top payload).
 * A provider rounds the whole x (or dy) before each call, on the calling thread; done one value at a time that was 8 %
 * of a BF16 training step while the other core waited.
 */
public final class Bf16Rounding {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final int L = 8;

    private Bf16Rounding() {}

    /** {@code out[i] = floatToBf16(x[i])} for i in [from, to). */
    public static void round(float[] x, short[] out, int from, int to) {
        int i = from;
        for (int end = to - (to - from) % L; i < end; i += L) {
            IntVector bits = FloatVector.fromArray(F, x, i).reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = bits.add(high.lanewise(VectorOperators.AND, 1).add(0x7fff)).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.lanewise(VectorOperators.AND, 0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
            IntVector result = rounded.blend(high.lanewise(VectorOperators.OR, 0x40), nan);
            ((ShortVector) result.convertShape(VectorOperators.I2S, S, 0)).intoArray(out, i);
        }
        for (; i < to; i++) out[i] = DType.floatToBf16(x[i]);
    }
}
