package dev.bellm.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A row-major {@code [rows, cols]} matrix kept in its stored dtype, backed by a memory segment: a slice of
 * a memory-mapped checkpoint, or heap memory for weights we make ourselves. Linear layers store
 * {@code W[out, in]} as Hugging Face does, so a row is one output feature.
 */
public final class Matrix {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public final String name;
    public final DType dtype;
    public final int rows;
    public final int cols;
    public final MemorySegment data;

    public Matrix(String name, DType dtype, int rows, int cols, MemorySegment data) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(name + ": shape [" + rows + ", " + cols + "] must be positive");
        }
        long expected = (long) rows * cols * dtype.bytes;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + dtype + " [" + rows + ", "
                    + cols + "], expected " + expected);
        }
        this.name = name;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** A heap matrix holding {@code values} (row-major) stored as {@code dtype} (rounded when not F32). */
    public static Matrix of(String name, DType dtype, int rows, int cols, float[] values) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for [" + rows + ", " + cols + "]");
        }
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * dtype.bytes, 64);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> seg.setAtIndex(F32, i, values[i]);
                case BF16 -> seg.setAtIndex(I16, i, DType.floatToBf16(values[i]));
                case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(values[i]));
            }
        }
        return new Matrix(name, dtype, rows, cols, seg);
    }

    public float get(int row, int col) {
        long i = (long) row * cols + col;
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> DType.bf16ToFloat(data.getAtIndex(I16, i));
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
        };
    }

    /** Copies row {@code row} as floats into {@code dst[off .. off + cols)}. */
    public void row(int row, float[] dst, int off) {
        long base = (long) row * cols;
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, base * 4, dst, off, cols);
            case BF16 -> {
                for (int c = 0; c < cols; c++) dst[off + c] = DType.bf16ToFloat(data.getAtIndex(I16, base + c));
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) dst[off + c] = Float.float16ToFloat(data.getAtIndex(I16, base + c));
            }
        }
    }

    /** All values as a new row-major float array. */
    public float[] toFloats() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) row(r, out, r * cols);
        return out;
    }

    public long parameterCount() {
        return (long) rows * cols;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " [" + rows + ", " + cols + "]";
    }
}
