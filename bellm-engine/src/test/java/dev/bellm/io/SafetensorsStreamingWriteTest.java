package dev.bellm.io;

import dev.bellm.io.SafetensorsFile.StreamedTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsStreamingWriteTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void eachTensorIsMadeWhenItsTurnComesAndReadsBack(@TempDir Path dir) throws IOException {
        List<String> made = new ArrayList<>();
        List<StreamedTensor> tensors = List.of(
                new StreamedTensor("a", "F32", new long[] {2, 2}, 16, arena -> {
                    made.add("a");
                    MemorySegment s = arena.allocate(16);
                    for (int i = 0; i < 4; i++) s.setAtIndex(F32, i, i + 0.5f);
                    return s;
                }),
                new StreamedTensor("b", "F32", new long[] {3}, 12, arena -> {
                    made.add("b");
                    return SafetensorsFile.Tensor.of("b", new float[] {-1, 2, -3}, 3).bytes();
                }));
        Path file = dir.resolve("t.safetensors");
        SafetensorsFile.writeStreaming(file, tensors, Map.of("format", "pt"));
        assertEquals(List.of("a", "b"), made);

        SafetensorsFile read = SafetensorsFile.open(file);
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, read.floats("a"));
        assertArrayEquals(new float[] {-1, 2, -3}, read.floats("b"));
        assertEquals("pt", read.metadata().get("format"));
    }

    @Test
    void aTensorWhoseBytesDoNotMatchItsHeaderLeavesNoFile(@TempDir Path dir) throws IOException {
        StreamedTensor wrong = new StreamedTensor("w", "F32", new long[] {4}, 16, arena -> arena.allocate(12));
        Path file = dir.resolve("t.safetensors");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SafetensorsFile.writeStreaming(file, List.of(wrong), Map.of()));
        assertTrue(e.getMessage().contains("'w' made 12 bytes") && e.getMessage().contains("says 16"), e.getMessage());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "neither the file nor its temporary is left");
        }
    }

    @Test
    void aHeaderEntryWhoseSizeDoesNotFitItsShapeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StreamedTensor("x", "BF16", new long[] {3, 5}, 32, arena -> MemorySegment.NULL));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("expected 30"), e.getMessage());
    }
}
