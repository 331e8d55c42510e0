package dev.bellm.kernels;

import dev.bellm.tensor.Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.bellm.kernels.MicroKernels.F8;

/**
 * Converts a run of one weight row from its stored dtype to float, eight values at a time, into the packed
 * buffers the micro-kernels read. Only the run being packed is converted: the matrix itself stays in its
 * stored dtype. Values past the end of the run are written as zeros, so a packed buffer can always be read
 * in whole 8-float chunks.
 */
final class WeightChunks {
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

    /** 2^112 = 2^(127 - 15): rescales an f16 exponent (bias 15) placed in an f32 (bias 127), subnormals included. */
    private static final float F16_EXPONENT_SCALE = 0x1p112f;

    private WeightChunks() {}

    /**
     * Writes {@code chunks} chunks of 8 floats: chunk q holds {@code w[row, col + 8q .. col + 8q + 8)} and goes to
     * {@code dst[off + q·stride ..)}. Only the first {@code count} values come from the matrix (none when
     * {@code count <= 0}); the rest of the chunks is zero.
     */
    static void convert(Matrix w, int row, int col, int count, int chunks, float[] dst, int off, int stride) {
        convert(w, row, col, count, chunks, 8, dst, off, stride);
    }

    /**
     * The same with chunks of {@code lanes} floats (a multiple of 8): chunk q holds {@code w[row, col + lanes·q ..+lanes)}
     * at {@code dst[off + q·stride ..)}, converted 8 values at a time.
     */
    static void convert(Matrix w, int row, int col, int count, int chunks, int lanes, float[] dst, int off, int stride) {
        int parts = lanes / 8;
        int full = Math.max(0, Math.min(count, chunks * lanes)) / 8; // whole 8-value parts present
        long element = (long) row * w.cols + col;
        MemorySegment seg = w.data;
        switch (w.dtype) {
            case F32 -> {
                for (int e = 0; e < full; e++) {
                    FloatVector.fromMemorySegment(F8, seg, (element + 8L * e) * 4, ByteOrder.LITTLE_ENDIAN)
                            .intoArray(dst, off + (e / parts) * stride + (e % parts) * 8);
                }
            }
            case BF16 -> {
                for (int e = 0; e < full; e++) bf16Chunk(seg, element + 8L * e, dst, off + (e / parts) * stride + (e % parts) * 8);
            }
            case F16 -> {
                for (int e = 0; e < full; e++) f16Chunk(seg, element + 8L * e, dst, off + (e / parts) * stride + (e % parts) * 8);
            }
            case Q8_0 -> {
                // col is a multiple of 8 here, so each 8-value part lies inside one 32-value block
                for (int e = 0; e < full; e++) {
                    q8Chunk(seg, element + 8L * e, w.scale(row, col + 8 * e), dst, off + (e / parts) * stride + (e % parts) * 8);
                }
            }
        }
        for (int e = full; e < chunks * parts; e++) {
            int at = off + (e / parts) * stride + (e % parts) * 8;
            int present = Math.max(0, Math.min(8, count - 8 * e));
            for (int l = 0; l < present; l++) dst[at + l] = w.get(row, col + 8 * e + l);
            Arrays.fill(dst, at + present, at + 8, 0f);
        }
    }

    /**
     * bf16 is the top half of an f32: widen to int and shift left by 16. Stored here rather than returned: a vector
     * returned from a call C2 does not inline is boxed (see {@link MicroKernels#reduce8}).
     */
    private static void bf16Chunk(MemorySegment seg, long element, float[] dst, int off) {
        ShortVector bits = ShortVector.fromMemorySegment(S8, seg, element * 2, ByteOrder.LITTLE_ENDIAN);
        IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, I8, 0);
        wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off);
    }

    /** Eight int8 values times their block's scale: exact in float (8 + 11 significant bits), as {@link Matrix#get}. */
    private static void q8Chunk(MemorySegment seg, long element, float scale, float[] dst, int off) {
        ByteVector bytes = ByteVector.fromMemorySegment(B8, seg, element, ByteOrder.LITTLE_ENDIAN);
        ((FloatVector) bytes.convertShape(VectorOperators.B2F, F8, 0)).mul(scale).intoArray(dst, off);
    }

    /**
     * f16 to f32 exactly, without a table or branches: move exponent and mantissa into f32 position and multiply
     * by 2^112, which rescales the exponent and also normalises subnormals; magnitudes with the f16 exponent all
     * ones (infinities, NaNs) get the f32 exponent all ones ORed in, keeping the NaN payload; then the sign goes back.
     * Stored here, like {@link #bf16Chunk}.
     */
    private static void f16Chunk(MemorySegment seg, long element, float[] dst, int off) {
        ShortVector bits = ShortVector.fromMemorySegment(S8, seg, element * 2, ByteOrder.LITTLE_ENDIAN);
        IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, I8, 0);
        IntVector magnitude = wide.lanewise(VectorOperators.AND, 0x7fff);
        IntVector sign = wide.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector finite = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats()
                .mul(F16_EXPONENT_SCALE).reinterpretAsInts();
        // magnitude >= 0x7c00 exactly when magnitude + 0x400 reaches bit 15; spread that bit over the f32 exponent
        IntVector infOrNan = magnitude.add(0x400).lanewise(VectorOperators.AND, 0x8000)
                .lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 8)
                .lanewise(VectorOperators.AND, 0x7f800000);
        finite.lanewise(VectorOperators.OR, infOrNan).lanewise(VectorOperators.OR, sign).reinterpretAsFloats()
                .intoArray(dst, off);
    }
}
