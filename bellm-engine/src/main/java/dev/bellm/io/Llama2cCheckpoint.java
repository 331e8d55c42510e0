package dev.bellm.io;

import dev.bellm.model.LayerWeights;
import dev.bellm.model.Linear;
import dev.bellm.model.ModelConfig;
import dev.bellm.model.ModelFamily;
import dev.bellm.model.ModelWeights;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A legacy (version 0) llama2.c checkpoint: seven little-endian int32s {@code dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size, seq_len} (a negative vocab_size means the classifier is stored, untied,
 * at the end), then float32 arrays, each stacked over layers:
 * <pre>
 * token_embedding_table [vocab, dim]   rms_att [L, dim]
 * wq [L, dim, dim]   wk [L, kv_dim, dim]   wv [L, kv_dim, dim]   wo [L, dim, dim]   rms_ffn [L, dim]
 * w1 [L, hidden, dim]   w2 [L, dim, hidden]   w3 [L, hidden, dim]   rms_final [dim]
 * freq_cis_real [seq_len, head_size/2]   freq_cis_imag [seq_len, head_size/2]   (wcls [vocab, dim] when untied)
 * </pre>
 * The weights are mapped under Hugging Face names (w1 = gate, w3 = up, w2 = down) and kept as F32 slices of
 * the file. Unlike Hugging Face exports, q and k are in Meta's layout where RoPE rotates adjacent pairs, so
 * the config says {@code ropeInterleaved}; the RoPE tables are recomputed, not read.
 */
public final class Llama2cCheckpoint {
    public static final String ARCHITECTURE = ModelFamily.LLAMA2C.modelType;
    private static final int HEADER_BYTES = 7 * Integer.BYTES;
    /** "ak42": the magic of llama2.c's newer, versioned export format, which this loader does not read. */
    private static final int VERSIONED_MAGIC = 0x616b3432;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cCheckpoint() {}

    public static ModelWeights load(Path bin) {
        if (!Files.isRegularFile(bin)) {
            throw new CheckpointException(bin, "no such file");
        }
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new CheckpointException(bin, "truncated: " + size + " bytes, shorter than the 28-byte llama2.c header");
            }
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            if (file.get(I32, 0) == VERSIONED_MAGIC) {
                throw new CheckpointException(bin, "is a versioned llama2.c export (magic \"ak42\"); bellm reads the legacy"
                        + " format: export it again with export.py --version 0");
            }
            return read(bin, file);
        } catch (IOException e) {
            throw new CheckpointException(bin, "cannot read: " + e.getMessage(), e);
        }
    }

    private static ModelWeights read(Path bin, MemorySegment file) {
        int dim = headerField(bin, file, 0, "dim");
        int hidden = headerField(bin, file, 1, "hidden_dim");
        int layerCount = headerField(bin, file, 2, "n_layers");
        int heads = headerField(bin, file, 3, "n_heads");
        int kvHeads = headerField(bin, file, 4, "n_kv_heads");
        int signedVocab = file.get(I32, 5L * Integer.BYTES);
        int seqLen = headerField(bin, file, 6, "seq_len");
        if (signedVocab == 0 || signedVocab == Integer.MIN_VALUE) {
            throw new CheckpointException(bin, "header field vocab_size is " + signedVocab + "; not a llama2.c checkpoint");
        }
        boolean tied = signedVocab > 0;
        int vocab = Math.abs(signedVocab);
        if (dim % heads != 0) {
            throw new CheckpointException(bin, "header field dim (" + dim + ") is not a multiple of n_heads (" + heads + ")");
        }
        int headSize = dim / heads;
        int kvDim = (int) ((long) kvHeads * headSize);
        ModelConfig config;
        try {
            config = new ModelConfig(ARCHITECTURE, dim, hidden, layerCount, heads, kvHeads, headSize, vocab, seqLen, 10000.0, null,
                    true, 1e-5, false, false, tied, 1, 2);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(bin, "header: " + e.getMessage(), e);
        }

        Layout at = new Layout(bin);
        long embedAt = at.next(vocab, dim);
        long rmsAttAt = at.next(layerCount, dim);
        long wqAt = at.next(layerCount, (long) dim * dim);
        long wkAt = at.next(layerCount, (long) kvDim * dim);
        long wvAt = at.next(layerCount, (long) kvDim * dim);
        long woAt = at.next(layerCount, (long) dim * dim);
        long rmsFfnAt = at.next(layerCount, dim);
        long w1At = at.next(layerCount, (long) hidden * dim);
        long w2At = at.next(layerCount, (long) dim * hidden);
        long w3At = at.next(layerCount, (long) hidden * dim);
        long rmsFinalAt = at.next(1, dim);
        at.next(2L * seqLen, headSize / 2); // freq_cis_real and freq_cis_imag
        long classifierAt = tied ? -1 : at.next(vocab, dim);
        checkSize(bin, file.byteSize(), at.offset, tied, (long) vocab * dim * Float.BYTES, signedVocab);

        Slicer s = new Slicer(file);
        List<LayerWeights> layers = new ArrayList<>(layerCount);
        for (int l = 0; l < layerCount; l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LayerWeights(
                    s.vector(rmsAttAt, l, dim),
                    s.linear(p + "self_attn.q_proj.weight", wqAt, l, dim, dim),
                    s.linear(p + "self_attn.k_proj.weight", wkAt, l, kvDim, dim),
                    s.linear(p + "self_attn.v_proj.weight", wvAt, l, kvDim, dim),
                    s.linear(p + "self_attn.o_proj.weight", woAt, l, dim, dim),
                    null,
                    null,
                    s.vector(rmsFfnAt, l, dim),
                    s.linear(p + "mlp.gate_proj.weight", w1At, l, hidden, dim),
                    s.linear(p + "mlp.up_proj.weight", w3At, l, hidden, dim),
                    s.linear(p + "mlp.down_proj.weight", w2At, l, dim, hidden)));
        }
        Matrix embed = s.matrix("model.embed_tokens.weight", embedAt, 0, vocab, dim);
        Matrix lmHead = tied ? embed : s.matrix("lm_head.weight", classifierAt, 0, vocab, dim);
        return new ModelWeights(config, embed, layers, s.vector(rmsFinalAt, 0, dim), lmHead);
    }

    private static int headerField(Path bin, MemorySegment file, int index, String name) {
        int value = file.get(I32, (long) index * Integer.BYTES);
        if (value <= 0) {
            throw new CheckpointException(bin, "header field " + name + " is " + value + "; must be positive (is this a"
                    + " llama2.c checkpoint?)");
        }
        return value;
    }

    private static void checkSize(Path bin, long actual, long expected, boolean tied, long classifierBytes, int signedVocab) {
        if (actual == expected) return;
        String hint;
        if (actual < expected) {
            hint = "truncated, or not a llama2.c checkpoint";
        } else if (tied && actual == expected + classifierBytes) {
            hint = "the file also holds an untied classifier, but vocab_size " + signedVocab + " is positive (tied)";
        } else {
            hint = "not a legacy llama2.c checkpoint, or its header is wrong";
        }
        throw new CheckpointException(bin, "is " + actual + " bytes but its header describes " + expected + " bytes: " + hint);
    }

    /** Byte offsets of the stacked float32 arrays, in file order. */
    private static final class Layout {
        private final Path bin;
        long offset = HEADER_BYTES;

        Layout(Path bin) {
            this.bin = bin;
        }

        /** Reserves {@code count * floats} float32s and returns where they start. */
        long next(long count, long floats) {
            long start = offset;
            try {
                offset = Math.addExact(offset, Math.multiplyExact(Math.multiplyExact(count, floats), (long) Float.BYTES));
            } catch (ArithmeticException e) {
                throw new CheckpointException(bin, "header describes more than 2^63 bytes of weights; not a llama2.c checkpoint");
            }
            return start;
        }
    }

    /** Views of one stacked array's layer {@code l}. */
    private record Slicer(MemorySegment file) {
        Matrix matrix(String name, long arrayAt, int l, int rows, int cols) {
            long bytes = (long) rows * cols * Float.BYTES;
            return new Matrix(name, DType.F32, rows, cols, file.asSlice(arrayAt + l * bytes, bytes));
        }

        Linear linear(String name, long arrayAt, int l, int rows, int cols) {
            return new Linear(matrix(name, arrayAt, l, rows, cols), null, null);
        }

        float[] vector(long arrayAt, int l, int length) {
            float[] out = new float[length];
            MemorySegment.copy(file, F32, arrayAt + (long) l * length * Float.BYTES, out, 0, length);
            return out;
        }
    }
}
