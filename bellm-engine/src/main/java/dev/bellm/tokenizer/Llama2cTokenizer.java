package dev.bellm.tokenizer;

import dev.bellm.io.CheckpointException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The tokenizer of Karpathy's llama2.c ({@code tok*.bin}): a SentencePiece BPE vocabulary with scores, encoded and
 * decoded with the semantics of llama2.c's {@code run.c}.
 *
 * <p>File layout (little-endian, as {@code build_tokenizer} reads it): int32 {@code max_token_length}, then for each
 * token in id order a float32 score, an int32 byte length and that many bytes of piece. The token count is whatever the
 * file holds. Ids 0, 1, 2 are unk, BOS and EOS; ids 3..258 are the byte pieces {@code <0x00>}..{@code <0xFF>}.
 *
 * <p>{@link #encode} always starts with BOS and never adds EOS, as {@code run} does for a prompt. {@link #decode} drops
 * BOS and EOS. Instances are immutable, so both may be called from any number of threads at once.
 */
public final class Llama2cTokenizer implements Tokenizer {
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** The piece of byte {@code b} is token {@code b + 3}, after unk, BOS and EOS. */
    private static final int FIRST_BYTE_TOKEN = 3;
    /** Far above any real tokenizer (a 32k vocabulary is ~0.5 MB); refuses to slurp a wrong, huge file. */
    private static final long MAX_FILE_BYTES = 64L << 20;
    /** run.c's starting best score: a merge must score above it to be taken. */
    private static final float MERGE_SCORE_FLOOR = -1e10f;

    private final Path file;
    private final byte[][] pieces;
    private final float[] scores;
    /**
     * Piece bytes, one char per byte (ISO-8859-1), to id. Concatenating two keys concatenates the bytes, which is how
     * run.c looks up a merge, and no piece needs to be valid UTF-8 on its own.
     */
    private final Map<String, Integer> idsByPiece;
    private final String[] keys;

    private Llama2cTokenizer(Path file, byte[][] pieces, float[] scores) {
        this.file = file;
        this.pieces = pieces;
        this.scores = scores;
        this.keys = new String[pieces.length];
        this.idsByPiece = HashMap.newHashMap(pieces.length);
        for (int id = 0; id < pieces.length; id++) {
            keys[id] = new String(pieces[id], StandardCharsets.ISO_8859_1);
            idsByPiece.putIfAbsent(keys[id], id); // a duplicated piece resolves to its first id
        }
    }

    public static Llama2cTokenizer load(Path file) {
        ByteBuffer in = ByteBuffer.wrap(readAll(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < Integer.BYTES) {
            throw new CheckpointException(file, "truncated: " + in.remaining() + " bytes, a llama2.c tokenizer starts with an"
                    + " int32 max_token_length");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new CheckpointException(file, "max_token_length is " + maxTokenLength + "; not a llama2.c tokenizer file");
        }
        List<byte[]> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (in.hasRemaining()) {
            int id = pieces.size();
            int recordStart = in.position();
            try {
                float score = in.getFloat();
                int length = in.getInt();
                if (Float.isNaN(score)) {
                    throw new CheckpointException(file, "token " + id + " (at byte " + recordStart + ") has a NaN score");
                }
                if (length < 0 || length > maxTokenLength) {
                    throw new CheckpointException(file, "token " + id + " (at byte " + recordStart + ") has length " + length
                            + ", outside 0.." + maxTokenLength + " (max_token_length); the file is corrupt");
                }
                byte[] piece = new byte[length];
                in.get(piece);
                pieces.add(piece);
                scores.add(score);
            } catch (BufferUnderflowException e) {
                throw new CheckpointException(file, "truncated: token " + id + " starts at byte " + recordStart + " but the"
                        + " file ends at byte " + in.limit() + " (a token is a float32 score, an int32 length and the bytes)");
            }
        }
        checkBytePieces(file, pieces);
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) scoreArray[i] = scores.get(i);
        return new Llama2cTokenizer(file, pieces.toArray(byte[][]::new), scoreArray);
    }

    private static byte[] readAll(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file, "no such llama2.c tokenizer file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new CheckpointException(file, size + " bytes is far too large for a llama2.c tokenizer; wrong file?");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Byte fallback emits id {@code b + 3} for byte {@code b}, so those ids must hold the byte pieces. */
    private static void checkBytePieces(Path file, List<byte[]> pieces) {
        if (pieces.size() < FIRST_BYTE_TOKEN + 256) {
            throw new CheckpointException(file, "has " + pieces.size() + " tokens; a llama2.c tokenizer has at least "
                    + (FIRST_BYTE_TOKEN + 256) + " (unk, BOS, EOS and the 256 byte pieces)");
        }
        for (int b = 0; b < 256; b++) {
            int id = FIRST_BYTE_TOKEN + b;
            if (byteValue(pieces.get(id)) != b) {
                throw new CheckpointException(file, "token " + id + " is '" + new String(pieces.get(id), StandardCharsets.UTF_8)
                        + "' but llama2.c's byte fallback needs the piece " + String.format("<0x%02X>", b) + " there");
            }
        }
    }

    /** The byte a piece of the form {@code <0xXX>} stands for, or -1 for any other piece. */
    private static int byteValue(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') return -1;
        int high = Character.digit(piece[3], 16);
        int low = Character.digit(piece[4], 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    /**
     * BOS, then the text with run.c's dummy-prefix space (only when the text is non-empty), split into code points
     * (falling back to one token per UTF-8 byte for code points not in the vocabulary), then merged pairwise, always
     * the best-scoring adjacent pair first and the leftmost among equals, until no adjacent pair is a piece. BOS takes
     * no part in merging (run.c scans it too, but in llama2.c's exported vocabularies its piece {@code "\n<s>\n"} begins
     * no other piece).
     */
    @Override
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        int[] merged = mergePairs(codePointTokens(text.isEmpty() ? "" : " " + text));
        int[] out = new int[merged.length + 1];
        out[0] = BOS;
        System.arraycopy(merged, 0, out, 1, merged.length);
        return out;
    }

    private int[] codePointTokens(String text) {
        int[] tokens = new int[text.length() * 3]; // UTF-8 needs at most 3 bytes per UTF-16 char; a byte is one token
        int count = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            byte[] utf8 = text.substring(i, next).getBytes(StandardCharsets.UTF_8);
            Integer id = idsByPiece.get(new String(utf8, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[count++] = id;
            } else {
                for (byte b : utf8) tokens[count++] = FIRST_BYTE_TOKEN + (b & 0xFF);
            }
            i = next;
        }
        return Arrays.copyOf(tokens, count);
    }

    /** A candidate merge of the adjacent tokens at positions {@code left} and {@code right}, as they were when queued. */
    private record Merge(float score, int left, int right, int leftId, int rightId, int mergedId) {
        /**
         * Highest score first; among equal scores the leftmost pair, as run.c's strict {@code >} scan picks it. Scores
         * compare as floats do in C, so -0.0 and 0.0 tie (Float.compare would not); NaN scores are refused at load.
         */
        static final Comparator<Merge> PRIORITY = (a, b) ->
                a.score > b.score ? -1 : a.score < b.score ? 1 : Integer.compare(a.left, b.left);
    }

    /**
     * run.c rescans every adjacent pair after each merge (quadratic); a priority queue over the pairs gives the same
     * merges in the same order in n log n. Tokens sit in a linked list over their original positions, so position
     * order stays the left-to-right order as tokens merge; a queued candidate is stale once either side has changed.
     */
    private int[] mergePairs(int[] initial) {
        int n = initial.length;
        int[] ids = initial.clone(); // -1 marks a position merged into its left neighbour
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Merge> queue = new PriorityQueue<>(Merge.PRIORITY);
        for (int i = 0; i + 1 < n; i++) offerMerge(queue, ids, i, i + 1);
        while (!queue.isEmpty()) {
            Merge m = queue.poll();
            if (ids[m.left] != m.leftId || next[m.left] != m.right || ids[m.right] != m.rightId) continue; // stale
            ids[m.left] = m.mergedId;
            ids[m.right] = -1;
            next[m.left] = next[m.right];
            if (next[m.left] >= 0) prev[next[m.left]] = m.left;
            if (prev[m.left] >= 0) offerMerge(queue, ids, prev[m.left], m.left);
            if (next[m.left] >= 0) offerMerge(queue, ids, m.left, next[m.left]);
        }
        // position 0 is never merged away (only right neighbours are), so the list starts there
        int[] out = new int[n];
        int count = 0;
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) out[count++] = ids[i];
        return Arrays.copyOf(out, count);
    }

    private void offerMerge(PriorityQueue<Merge> queue, int[] ids, int left, int right) {
        Integer merged = idsByPiece.get(keys[ids[left]] + keys[ids[right]]);
        if (merged != null && scores[merged] > MERGE_SCORE_FLOOR) {
            queue.add(new Merge(scores[merged], left, right, ids[left], ids[right], merged));
        }
    }

    /**
     * The pieces' bytes joined and read as UTF-8 (malformed sequences become U+FFFD): byte pieces {@code <0xXX>} are
     * their raw byte, the piece right after BOS loses its leading space (the dummy prefix), BOS and EOS are dropped.
     */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int previous = -1;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= pieces.length) {
                throw new IllegalArgumentException("token id " + id + " at position " + i + " is outside the vocabulary of "
                        + file + " (0.." + (pieces.length - 1) + ")");
            }
            if (id != BOS && id != EOS) {
                byte[] piece = pieces[id];
                int rawByte = byteValue(piece);
                if (rawByte >= 0) {
                    bytes.write(rawByte);
                } else {
                    int skip = previous == BOS && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
                    bytes.write(piece, skip, piece.length - skip);
                }
            }
            previous = id;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    /**
     * A llama2.c tokenizer has exactly the checkpoint's {@code vocab_size} tokens ({@code build_tokenizer} reads that
     * many): fewer means a truncated or wrong file, whose missing ids would never be produced or decoded.
     */
    @Override
    public void checkFits(int modelVocabSize, Path where) {
        if (pieces.length != modelVocabSize) {
            throw new CheckpointException(file, "holds " + pieces.length + " tokens but the model " + where + " has vocab_size "
                    + modelVocabSize + "; a llama2.c tokenizer holds exactly the model's vocabulary (truncated or wrong file?)");
        }
    }

    @Override
    public String toString() {
        return "Llama2cTokenizer[" + file + ", " + pieces.length + " tokens]";
    }
}
