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
    /** Q8_0 only: the f16 scales {@code [rows, cols / 32]}; null for the other dtypes. */
    public final MemorySegment scales;

    public Matrix(String name, DType dtype, int rows, int cols, MemorySegment data) {
        this(name, dtype, rows, cols, data, null);
    }

    /** @param scales Q8_0's f16 block scales {@code [rows, cols / 32]} (null for other dtypes) */
    public Matrix(String name, DType dtype, int rows, int cols, MemorySegment data, MemorySegment scales) {
        if ((dtype == DType.Q8_0) != (scales != null)) {
            throw new IllegalArgumentException(name + ": " + dtype + (scales == null ? " needs" : " takes no") + " block scales");
        }
        if (dtype == DType.Q8_0) {
            if (cols % DType.Q8_BLOCK != 0) {
                throw new IllegalArgumentException(name + ": Q8_0 needs columns in whole blocks of " + DType.Q8_BLOCK + ", got " + cols);
            }
            long scaleBytes = (long) rows * (cols / DType.Q8_BLOCK) * 2;
            if (scales.byteSize() != scaleBytes) {
                throw new IllegalArgumentException(name + ": " + scales.byteSize() + " bytes of Q8_0 scales for [" + rows + ", "
                        + cols + "], expected " + scaleBytes);
            }
        }
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
        this.scales = scales;
    }

    /** A heap matrix holding {@code values} (row-major) stored as {@code dtype} (rounded or quantized when not F32). */
    public static Matrix of(String name, DType dtype, int rows, int cols, float[] values) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for [" + rows + ", " + cols + "]");
        }
        if (dtype == DType.Q8_0) return quantize(name, rows, cols, (r, dst) -> System.arraycopy(values, r * cols, dst, 0, cols));
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * dtype.bytes, 64);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> seg.setAtIndex(F32, i, values[i]);
                case BF16 -> seg.setAtIndex(I16, i, DType.floatToBf16(values[i]));
                case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(values[i]));
                case Q8_0 -> throw new AssertionError("quantized above");
            }
        }
        return new Matrix(name, dtype, rows, cols, seg);
    }

    /** Supplies row r of a matrix being quantized, as floats into dst[0, cols). */
    public interface RowSource {
        void row(int r, float[] dst);
    }

    /** This matrix quantized to Q8_0 (see {@link #quantize(String, int, int, RowSource)}). */
    public Matrix quantized() {
        return quantize(name, rows, cols, (r, dst) -> row(r, dst, 0));
    }

    /**
     * A Q8_0 heap matrix of the rows {@code source} gives: per block of 32 values, the scale d is max|w| / 127 rounded
     * to f16, and q = round(w / d) clamped to [-127, 127] (0 where d is 0), so the value kept is q·d.
     */
    public static Matrix quantize(String name, int rows, int cols, RowSource source) {
        if (cols % DType.Q8_BLOCK != 0) {
            throw new IllegalArgumentException(name + ": Q8_0 needs columns in whole blocks of " + DType.Q8_BLOCK + ", got " + cols);
        }
        int blocks = cols / DType.Q8_BLOCK;
        Arena arena = Arena.ofAuto();
        MemorySegment q = arena.allocate((long) rows * cols, 64), d = arena.allocate((long) rows * blocks * 2, 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.row(r, row);
            for (int b = 0; b < blocks; b++) {
                float max = 0;
                for (int c = b * DType.Q8_BLOCK; c < (b + 1) * DType.Q8_BLOCK; c++) {
                    if (!Float.isFinite(row[c])) {
                        throw new IllegalArgumentException(name + ": row " + r + " column " + c + " is " + row[c] + "; cannot quantize");
                    }
                    max = Math.max(max, Math.abs(row[c]));
                }
                short scaleBits = Float.floatToFloat16(max / 127f);
                float scale = Float.float16ToFloat(scaleBits);
                d.setAtIndex(I16, (long) r * blocks + b, scaleBits);
                for (int c = b * DType.Q8_BLOCK; c < (b + 1) * DType.Q8_BLOCK; c++) {
                    int v = scale == 0 ? 0 : Math.clamp(Math.round(row[c] / scale), -127, 127);
                    q.set(ValueLayout.JAVA_BYTE, (long) r * cols + c, (byte) v);
                }
            }
        }
        return new Matrix(name, DType.Q8_0, rows, cols, q, d);
    }

    /** Q8_0: the scale of the block holding column {@code col} of row {@code row}. */
    public float scale(int row, int col) {
        return Float.float16ToFloat(scales.getAtIndex(I16, (long) row * (cols / DType.Q8_BLOCK) + col / DType.Q8_BLOCK));
    }

    public float get(int row, int col) {
        long i = (long) row * cols + col;
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> DType.bf16ToFloat(data.getAtIndex(I16, i));
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case Q8_0 -> data.get(ValueLayout.JAVA_BYTE, i) * scale(row, col);
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
            case Q8_0 -> {
                for (int c = 0; c < cols; c++) dst[off + c] = data.get(ValueLayout.JAVA_BYTE, base + c) * scale(row, c);
            }
        }
    }

    /** All values as a new row-major float array. */
    public float[] toFloats() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) row(r, out, r * cols);
        return out;
    }

    /** Bytes this matrix occupies (Q8_0: values and scales). */
    public long byteSize() {
        return data.byteSize() + (scales == null ? 0 : scales.byteSize());
    }

    public long parameterCount() {
        return (long) rows * cols;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " [" + rows + ", " + cols + "]";
    }
}
