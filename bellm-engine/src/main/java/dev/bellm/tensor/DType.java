package dev.bellm.tensor;

/** Element types a checkpoint may store weights in. Weights stay in this type in memory. */
public enum DType {
    F32(4),
    F16(2),
    BF16(2),
    /**
     * Per-block-scaled int8 (the Q8_0 idea): each run of {@link #Q8_BLOCK} weights along a row is {@code q·d} with q an
     * int8 in [-127, 127] and one f16 scale d per block. {@link #bytes} counts the int8 values; the scales (1/16 byte
     * per weight more) are a second segment of the {@link Matrix}. Stored in safetensors as an {@code I8} tensor and
     * an {@code F16} tensor named {@code <name>_scale}, shape {@code [rows, cols / 32]}.
     */
    Q8_0(1);

    /** Weights per Q8_0 block (one scale each). */
    public static final int Q8_BLOCK = 32;
    /** Name suffix of a Q8_0 tensor's scales in safetensors. */
    public static final String Q8_SCALE_SUFFIX = "_scale";

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The dtype named in a safetensors header ("F32", "F16", "BF16"), or null when it is not one we compute with. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round-to-nearest-even, as PyTorch does when it casts to bfloat16. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
