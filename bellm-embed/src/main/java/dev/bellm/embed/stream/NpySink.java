package dev.bellm.embed.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A NumPy {@code .npy} file (format 1.0) holding a {@code float32 [rows, dimension]} matrix, written a batch at
 * a time: the header is written first with room for any row count and rewritten with the real one at
 * {@link #finish()}, so the channel must be seekable (a file, not a pipe). Row {@code i} is the {@code i}-th
 * embedded text; ids are not part of the format.
 */
public final class NpySink implements EmbeddingSink {
    /** Magic, version, header length, then the header padded to this many bytes in all (a multiple of 64). */
    static final int HEADER_BYTES = 128;

    private final FileChannel channel;
    private final int dimension;
    private long rows;

    public NpySink(FileChannel channel, int dimension) throws IOException {
        this.channel = channel;
        this.dimension = dimension;
        channel.truncate(0);
        channel.position(0);
        writeFully(header(0), 0);
        channel.position(HEADER_BYTES);
    }

    static ByteBuffer header(long rows, int dimension) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + dimension + "), }";
        int textBytes = HEADER_BYTES - 10;
        if (dict.length() + 1 > textBytes) throw new IllegalStateException("npy header too long: " + dict);
        StringBuilder text = new StringBuilder(dict);
        while (text.length() < textBytes - 1) text.append(' ');
        text.append('\n');
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) textBytes).put(text.toString().getBytes(StandardCharsets.US_ASCII));
        return b.flip();
    }

    private ByteBuffer header(long rows) {
        return header(rows, dimension);
    }

    @Override
    public void write(List<TextRecord> records, float[][] vectors, int[] tokenCounts) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(records.size() * dimension * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < records.size(); i++) {
            if (vectors[i].length != dimension) throw new IllegalStateException("vector of " + vectors[i].length + " values in a " + dimension + "-column matrix");
            b.asFloatBuffer().put(vectors[i]);
            b.position(b.position() + dimension * Float.BYTES);
        }
        b.flip();
        while (b.hasRemaining()) channel.write(b);
        rows += records.size();
    }

    @Override
    public void finish() throws IOException {
        writeFully(header(rows), 0);
        channel.force(false);
    }

    private void writeFully(ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) pos += channel.write(b, pos);
    }
}
