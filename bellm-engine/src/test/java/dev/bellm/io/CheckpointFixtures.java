package dev.bellm.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared fixtures, writable copies of them, and ways to corrupt those copies. */
final class CheckpointFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFixtures() {}

    static Path fixture(String name) {
        return DataDirectory.resolve("fixtures/" + name);
    }

    static Path stories260K() {
        return DataDirectory.resolve("models/stories260K/stories260K.bin");
    }

    /** A writable copy of fixture {@code name} (its files only) under {@code tmp}. */
    static Path copy(String name, Path tmp) throws IOException {
        Path target = tmp.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(fixture(name))) {
            for (Path f : files.toList()) {
                // a byte copy, not Files.copy: the shared files are read-only and their mode would come along
                Files.write(target.resolve(f.getFileName()), Files.readAllBytes(f));
            }
        }
        return target;
    }

    static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(root);
        JSON.writeValue(file.toFile(), root);
    }

    /**
     * Rewrites the header of safetensors {@code file}: {@code edit} gets the header and the length of the
     * existing data section (where appended bytes begin); {@code appended} bytes are added after the data.
     */
    static void editHeader(Path file, BiConsumer<ObjectNode, Long> edit, int appended) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLen = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, headerLen, StandardCharsets.UTF_8));
        byte[] data = Arrays.copyOfRange(bytes, 8 + headerLen, bytes.length);
        edit.accept(header, (long) data.length);
        byte[] json = JSON.writeValueAsBytes(header);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        ByteBuffer out = ByteBuffer.allocate(8 + padded.length + data.length + appended).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded.length).put(padded).put(data);
        Files.write(file, out.array());
    }

    /** Sets a header entry to {@code dtype}, {@code shape} and the byte range {@code [begin, end)}. */
    static void putEntry(ObjectNode header, String name, String dtype, long[] shape, long begin, long end) {
        ObjectNode entry = header.putObject(name);
        entry.put("dtype", dtype);
        var dims = entry.putArray("shape");
        for (long d : shape) dims.add(d);
        entry.putArray("data_offsets").add(begin).add(end);
    }

    /** Asserts that {@code action} throws a CheckpointException whose message holds every fragment. */
    static CheckpointException assertCheckpointError(Executable action, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, action);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
        }
        return e;
    }
}
