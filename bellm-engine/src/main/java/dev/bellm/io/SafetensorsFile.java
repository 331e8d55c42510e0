package dev.bellm.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bellm.tensor.DType;
import dev.bellm.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor
 * names to {@code dtype}, {@code shape} and {@code data_offsets}, then the raw little-endian data.
 * Everything in the header is checked on open (offsets in bounds, not overlapping, sizes matching the
 * shape), so a malformed file fails here with its name rather than later inside a kernel.
 */
public final class SafetensorsFile {
    /** Headers larger than this are not plausible and are refused before allocating them. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads headers: a key given twice is an error, not silently the last one. */
    private static final ObjectMapper STRICT_JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long WRITE_SLICE_BYTES = 64L << 20;

    /** One tensor's header entry. {@code dtype} is the header's string, which may be one we do not compute with. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Checked on parse: the product of the shape fits a long. */
        public long elementCount() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    /** A tensor to write: its bytes must be little-endian data of {@code dtype} and {@code shape}. */
    public record Tensor(String name, String dtype, long[] shape, MemorySegment bytes) {
        public static Tensor of(String name, float[] values, long... shape) {
            MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
            for (int i = 0; i < values.length; i++) seg.setAtIndex(F32, i, values[i]);
            return new Tensor(name, "F32", shape, seg);
        }

        public static Tensor of(Matrix m) {
            return new Tensor(m.name, m.dtype.name(), new long[] {m.rows, m.cols}, m.data);
        }
    }

    /**
     * A tensor to write with {@link #writeStreaming}: what the header needs up front, and {@code bytes}, called only when
     * the tensor's turn comes, to make its little-endian data (in the given arena when it allocates, which is closed as
     * soon as the data is written). So a file can be written one tensor at a time, never all in memory at once.
     */
    public record StreamedTensor(String name, String dtype, long[] shape, long byteSize, Function<Arena, MemorySegment> bytes) {
        public StreamedTensor {
            long count = 1;
            for (long d : shape) count = Math.multiplyExact(count, d);
            int width = elementBytes(dtype);
            if (width > 0 && byteSize != Math.multiplyExact(count, (long) width)) {
                throw new IllegalArgumentException("tensor '" + name + "': " + byteSize + " bytes for " + dtype + " "
                        + java.util.Arrays.toString(shape) + ", expected " + count * width);
            }
        }

        public static StreamedTensor of(Tensor t) {
            return new StreamedTensor(t.name(), t.dtype(), t.shape(), t.bytes().byteSize(), arena -> t.bytes());
        }
    }

    private final Path path;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path, "no such file");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(path, "truncated: " + size + " bytes, a safetensors file starts with an 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
                throw new CheckpointException(path, "header length " + headerLen + " does not fit a file of " + size
                        + " bytes (truncated or not a safetensors file)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            while (headerBuf.hasRemaining() && ch.read(headerBuf, 8 + headerBuf.position()) > 0) {
                // read the whole header
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Header header = parseHeader(path, headerBuf.array(), dataLen);
            Map<String, Entry> entries = header.entries();
            Map<String, String> metadata = header.metadata();
            MemorySegment mapped = dataLen == 0 ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen, Arena.ofAuto());
            return new SafetensorsFile(path, mapped, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The tensors and string metadata of a header, in header order. */
    record Header(Map<String, Entry> entries, Map<String, String> metadata) {}

    /**
     * Parses and checks the header JSON (the {@code headerLen} bytes after the length field) against a data section of
     * {@code dataLen} bytes, as the reference implementation does: the JSON object starts at the first byte and ends
     * exactly at the stated length, save for the space padding the format allows; the tensors' byte ranges do not overlap
     * and the last ends at the data section's last byte. So a length field that is a byte off (the
     * padding would absorb it) or junk after the JSON is an error rather than tensors read a byte off.
     */
    static Header parseHeader(Path path, byte[] headerBytes, long dataLen) {
        int end = headerBytes.length;
        while (end > 0 && headerBytes[end - 1] == ' ') end--;
        if (end == 0 || headerBytes[0] != '{') {
            throw new CheckpointException(path, "header does not start with a JSON object ('{'); not a safetensors file");
        }
        JsonNode header;
        try (JsonParser parser = STRICT_JSON.createParser(headerBytes, 0, end)) {
            header = STRICT_JSON.readTree(parser);
            long consumed = parser.currentLocation().getByteOffset();
            if (consumed != end || parser.nextToken() != null) {
                throw new CheckpointException(path, "header JSON ends at byte " + (8 + consumed) + " but the header length"
                        + " field says " + (8 + headerBytes.length) + " and only space padding may follow the JSON (wrong"
                        + " header length or trailing junk)");
            }
        } catch (IOException e) {
            throw new CheckpointException(path, "header is not valid JSON within its stated length of " + headerBytes.length
                    + " bytes: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(path, "header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (field.getKey().equals("__metadata__")) {
                if (!field.getValue().isObject()) {
                    throw new CheckpointException(path, "header field '__metadata__' must be an object of strings, got " + abbreviate(field.getValue()));
                }
                for (Map.Entry<String, JsonNode> m : field.getValue().properties()) {
                    if (!m.getValue().isTextual()) {
                        throw new CheckpointException(path, "header field '__metadata__." + m.getKey() + "' must be a string, got "
                                + abbreviate(m.getValue()));
                    }
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            entries.put(field.getKey(), parseEntry(path, field.getKey(), field.getValue(), dataLen));
        }
        checkTiling(path, entries.values(), dataLen);
        return new Header(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataLen) {
        if (!node.isObject()) {
            throw new CheckpointException(path, "tensor '" + name + "': header entry must be an object, got " + abbreviate(node));
        }
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || offsets == null
                || !offsets.isArray() || offsets.size() != 2) {
            throw new CheckpointException(path, "tensor '" + name + "': header entry needs dtype, shape and two data_offsets");
        }
        long[] dims = new long[shape.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (!shape.get(i).isIntegralNumber() || !shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0) {
                throw new CheckpointException(path, "tensor '" + name + "': bad shape " + abbreviate(shape));
            }
            dims[i] = shape.get(i).asLong();
            try {
                count = Math.multiplyExact(count, dims[i]);
            } catch (ArithmeticException e) {
                throw new CheckpointException(path, "tensor '" + name + "': shape " + shape + " has more elements than a long can count");
            }
        }
        long begin = offset(offsets.get(0));
        long end = offset(offsets.get(1));
        if (begin < 0 || end < begin || end > dataLen) {
            throw new CheckpointException(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] out of bounds of the " + dataLen + "-byte data section (truncated file?)");
        }
        int width = elementBytes(dtype.asText());
        // count > bytes first: it is wrong anyway, and it keeps count * width from overflowing
        if (width > 0 && (count > end - begin || end - begin != count * width)) {
            throw new CheckpointException(path, "tensor '" + name + "': " + (end - begin) + " bytes for " + dtype.asText()
                    + " " + shape + ", expected " + count * width);
        }
        return new Entry(name, dtype.asText(), dims, begin, end);
    }

    /** A data offset: a non-negative integer, or -1 for anything else (reported as out of bounds). */
    private static long offset(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToLong() ? node.longValue() : -1;
    }

    private static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    /**
     * The tensors' byte ranges must not overlap, and the last must end at the data section's last byte. (The reference
     * writer leaves no gaps either; a gap is tolerated, as it cannot shift what a tensor reads, but a data section longer
     * or shorter than the tensors is the sign of a wrong header length.)
     */
    private static void checkTiling(Path path, java.util.Collection<Entry> entries, long dataLen) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long end = 0;
        String previous = null;
        for (Entry cur : sorted) {
            if (cur.begin() < end) {
                throw new CheckpointException(path, "tensors '" + previous + "' and '" + cur.name() + "' overlap in the data section");
            }
            end = cur.end();
            previous = cur.name();
        }
        if (end != dataLen) {
            throw new CheckpointException(path, "the tensors end at byte " + end + " of the data section but the file has "
                    + dataLen + " data bytes; the header length is wrong, or the file is truncated or has trailing bytes");
        }
    }

    public Path path() {
        return path;
    }

    public Set<String> names() {
        return entries.keySet();
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(path, "missing tensor '" + name + "'");
        }
        return e;
    }

    /**
     * The tensor as a {@code [rows, cols]} matrix in its stored dtype, without copying. An {@code I8} tensor is Q8_0
     * and needs its scales, {@code name_scale} in this file (see {@link #matrix(String, int, int, SafetensorsFile)}).
     */
    public Matrix matrix(String name, int rows, int cols) {
        return matrix(name, rows, cols, this);
    }

    /** The same, with a Q8_0 tensor's scales {@code name_scale} read from {@code scaleFile} (another shard, or this). */
    public Matrix matrix(String name, int rows, int cols, SafetensorsFile scaleFile) {
        Entry e = entry(name);
        if (e.shape().length != 2 || e.shape()[0] != rows || e.shape()[1] != cols) {
            throw new CheckpointException(path, "tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        MemorySegment bytes = data.asSlice(e.begin(), e.end() - e.begin());
        if (!e.dtype().equals("I8")) return new Matrix(name, computeType(e), rows, cols, bytes);
        String scaleName = name + DType.Q8_SCALE_SUFFIX;
        if (cols % DType.Q8_BLOCK != 0) {
            throw new CheckpointException(path, "I8 tensor '" + name + "' has " + cols + " columns; Q8_0 needs whole blocks of "
                    + DType.Q8_BLOCK);
        }
        if (!scaleFile.contains(scaleName)) {
            throw new CheckpointException(path, "I8 tensor '" + name + "' has no Q8_0 scales '" + scaleName + "'");
        }
        Entry s = scaleFile.entry(scaleName);
        if (!s.dtype().equals("F16") || s.shape().length != 2 || s.shape()[0] != rows || s.shape()[1] != cols / DType.Q8_BLOCK) {
            throw new CheckpointException(scaleFile.path, "Q8_0 scales '" + scaleName + "' are " + s.dtype() + " "
                    + java.util.Arrays.toString(s.shape()) + ", expected F16 [" + rows + ", " + cols / DType.Q8_BLOCK + "]");
        }
        return new Matrix(name, DType.Q8_0, rows, cols, bytes, scaleFile.data.asSlice(s.begin(), s.end() - s.begin()));
    }

    /** A 1-D tensor of {@code length} elements, converted to float. */
    public float[] vector(String name, int length) {
        Entry e = entry(name);
        if (e.shape().length != 1 || e.shape()[0] != length) {
            throw new CheckpointException(path, "tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                    + ", expected [" + length + "]");
        }
        return floats(name);
    }

    /** Any F64/F32/F16/BF16 tensor, flattened and converted to float. */
    public float[] floats(String name) {
        double[] d = doubles(name);
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        return out;
    }

    /** Any F64/F32/F16/BF16 tensor, flattened and converted to double. */
    public double[] doubles(String name) {
        Entry e = entry(name);
        long count = e.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(path, "tensor '" + name + "' is too large to copy into one array");
        }
        double[] out = new double[(int) count];
        if (count == 0) {
            if (!e.dtype().equals("F64")) computeType(e); // an unsupported dtype is still an error
            return out;
        }
        MemorySegment seg = data.asSlice(e.begin(), e.end() - e.begin());
        if (e.dtype().equals("F64")) {
            for (int i = 0; i < out.length; i++) out[i] = seg.getAtIndex(F64, i);
            return out;
        }
        DType t = computeType(e);
        Matrix flat = new Matrix(name, t, 1, Math.max(1, out.length), seg);
        for (int i = 0; i < out.length; i++) out[i] = flat.get(0, i);
        return out;
    }

    private DType computeType(Entry e) {
        DType t = DType.fromSafetensors(e.dtype());
        if (t == null) {
            throw new CheckpointException(path, "tensor '" + e.name() + "' has dtype " + e.dtype()
                    + "; supported weight dtypes are F32, F16 and BF16 (and I8 with Q8_0 scales for linear weights)");
        }
        return t;
    }

    /** Writes tensors (and string metadata) to {@code file} atomically: a temporary file renamed into place. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        writeStreaming(file, tensors.stream().map(StreamedTensor::of).toList(), metadata);
    }

    /**
     * Writes tensors (and string metadata) to {@code file} atomically, making each tensor's bytes only when it is written
     * and freeing them right after: a temporary file beside {@code file}, renamed into place when complete.
     */
    public static void writeStreaming(Path file, List<StreamedTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (StreamedTensor t : tensors) {
            ObjectNode node = header.putObject(t.name());
            node.put("dtype", t.dtype());
            var shape = node.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            var offs = node.putArray("data_offsets");
            offs.add(offset);
            offset += t.byteSize();
            offs.add(offset);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        ByteBuffer start = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(json);
        while (start.hasRemaining()) start.put((byte) ' ');
        Path tmp = AtomicFiles.temporaryFileFor(file);
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writeFully(out, start.flip());
                for (StreamedTensor t : tensors) {
                    try (Arena arena = Arena.ofShared()) {
                        MemorySegment bytes = t.bytes().apply(arena);
                        if (bytes.byteSize() != t.byteSize()) {
                            throw new IllegalStateException("tensor '" + t.name() + "' made " + bytes.byteSize()
                                    + " bytes but its header entry says " + t.byteSize());
                        }
                        writeSegment(out, bytes);
                    }
                }
            }
            AtomicFiles.commit(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes in slices, as a ByteBuffer holds at most 2 GiB; a heap segment over a non-byte array is copied first. */
    private static void writeSegment(FileChannel out, MemorySegment bytes) throws IOException {
        boolean viewable = bytes.isNative() || bytes.heapBase().orElse(null) instanceof byte[];
        for (long pos = 0; pos < bytes.byteSize(); pos += WRITE_SLICE_BYTES) {
            MemorySegment slice = bytes.asSlice(pos, Math.min(WRITE_SLICE_BYTES, bytes.byteSize() - pos));
            writeFully(out, viewable ? slice.asByteBuffer() : ByteBuffer.wrap(slice.toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }
}
