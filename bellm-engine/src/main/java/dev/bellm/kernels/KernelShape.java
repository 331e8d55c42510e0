package dev.bellm.kernels;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;
import java.util.Locale;

/**
 * The forward micro-kernel shape {@link VectorKernels} runs: the vector width (lanes of float) and how many rows of x
 * one micro-kernel call holds against a strip of {@link #COLS} rows of w (rows × 4 accumulators in registers).
 * Chosen at start-up from the machine: {@link FloatVector#SPECIES_PREFERRED} tells the vector width C2 compiles for
 * (256 bits on AVX2, 512 on AVX-512), and with AVX-512 come 32 vector registers instead of 16, room for a 4 × 4 tile.
 * The system property {@value #PROPERTY} ({@code auto} or a shape's name) forces one, so every shape can be tested
 * and measured on one machine; a shape wider than the machine's vectors still computes correctly, only slowly.
 *
 * <p>Summation order: each output owns one accumulator of {@link #lanes} lanes, lane l summing the products with
 * {@code c ≡ l (mod lanes)} in increasing c, folded in a fixed tree. The row count does not enter that order, so the
 * shapes of one width give the same bits; the two widths differ by float rounding (about 1e-7 relative).
 */
public enum KernelShape {
    /** AVX2 (16 registers): 8 lanes, 2 rows × 4 outputs = 8 accumulators + 4 w + 2 x vectors. */
    V256_2X4(8, 2),
    /** AVX-512's 32 registers at 256-bit width: 16 accumulators + 4 w + 4 x (fewer loads per multiply-add). */
    V256_4X4(8, 4),
    /** AVX-512 at full width: 16 lanes, 4 rows × 4 outputs. */
    V512_4X4(16, 4);

    /** Forces a shape: {@code auto} (the default) or one of the names above, case-insensitive. */
    public static final String PROPERTY = "bellm.kernels.shape";
    /** Rows of w (outputs) per packed strip, for every shape. */
    public static final int COLS = 4;

    public final int lanes;
    public final int rows;

    KernelShape(int lanes, int rows) {
        this.lanes = lanes;
        this.rows = rows;
    }

    /** Vector registers the tile needs to run without spilling: accumulators + w strip + x rows. */
    public int registers() {
        return rows * COLS + COLS + rows;
    }

    /** The best shape for this machine's vectors: 512-bit with a 4 × 4 tile on AVX-512, else 256-bit 2 × 4. */
    public static KernelShape forMachine() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return bits >= 512 ? V512_4X4 : V256_2X4;
    }

    /** The shape {@value #PROPERTY} names, or {@link #forMachine()} when it is unset or {@code auto}. */
    public static KernelShape configured() {
        return parse(System.getProperty(PROPERTY, "auto"));
    }

    public static KernelShape parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("AUTO")) return forMachine();
        for (KernelShape s : values()) {
            if (s.name().equals(n)) return s;
        }
        throw new IllegalArgumentException(PROPERTY + ": unknown kernel shape '" + name + "'; expected auto or one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }

    /** The micro-kernels of this shape's vector width. */
    ForwardKernel kernel() {
        return lanes == 16 ? Forward16.INSTANCE : Forward8.INSTANCE;
    }

    /** E.g. {@code v512_4x4 (16 lanes, 4×4 tile; machine prefers 512-bit vectors)}. */
    public String describe() {
        return name().toLowerCase(Locale.ROOT) + " (" + lanes + " float lanes, " + rows + "×" + COLS + " tile; machine prefers "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors)";
    }
}
