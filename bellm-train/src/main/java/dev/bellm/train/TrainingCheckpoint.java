package dev.bellm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.io.SafetensorsFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in a directory: the optimizer's parameters and moments ({@code state.safetensors}) and
 * the run's bookkeeping ({@code state.json}, which must hold {@code step} and {@code options}). Shared by LoRA
 * training and distillation, so both resume the same way.
 *
 * <p>Swapped in whole: the new state is written beside the old one ({@code DIR.tmp}) and renamed into place, the old
 * one kept as {@code DIR.old} until then, so a crash at any point leaves one complete state to resume from.
 */
public final class TrainingCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TrainingCheckpoint() {}

    /** Writes the optimizer's slots and {@code state} to {@code dir}, replacing what was there. */
    public static void save(Path dir, AdamW optimizer, Map<String, Object> state) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        List<SafetensorsFile.Tensor> tensors = new ArrayList<>();
        for (AdamW.Slot s : optimizer.slots()) {
            tensors.add(new SafetensorsFile.Tensor(s.name() + ".param", "F32", new long[] {s.grad().length}, s.param().data));
            tensors.add(SafetensorsFile.Tensor.of(s.name() + ".m", s.m(), s.m().length));
            tensors.add(SafetensorsFile.Tensor.of(s.name() + ".v", s.v(), s.v().length));
        }
        SafetensorsFile.write(tmp.resolve("state.safetensors"), tensors, Map.of());
        Files.write(tmp.resolve("state.json"), JSON.writeValueAsBytes(state));
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        deleteTree(old);
        if (Files.exists(dir)) Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /**
     * Restores the optimizer from {@code dir} (or {@code DIR.old} when a crash interrupted the swap) and returns the
     * saved {@code state.json}. The run must have been made with {@code options}: resuming with others would silently
     * train something else.
     *
     * @param run what the run did, for the error ("trained", "distilled")
     */
    public static JsonNode load(Path dir, AdamW optimizer, Map<String, Object> options, String run) throws IOException {
        if (!Files.isDirectory(dir)) {
            Path old = dir.resolveSibling(dir.getFileName() + ".old");
            if (!Files.isDirectory(old)) throw new IllegalArgumentException("nothing to resume: no checkpoint in " + dir.getParent());
            dir = old;
        }
        JsonNode state = JSON.readTree(dir.resolve("state.json").toFile());
        // compared as text: a number read back from JSON may have another Java type than the one written
        String saved = state.get("options").toString();
        String now = JSON.valueToTree(options).toString();
        if (!saved.equals(now)) {
            throw new IllegalArgumentException("cannot resume " + dir + ": it was " + run + " with different options; saved "
                    + saved + ", now " + now);
        }
        SafetensorsFile file = SafetensorsFile.open(dir.resolve("state.safetensors"));
        for (AdamW.Slot s : optimizer.slots()) {
            float[] p = file.floats(s.name() + ".param");
            MemorySegment.copy(MemorySegment.ofArray(p), 0, s.param().data, 0, s.param().data.byteSize());
            System.arraycopy(file.floats(s.name() + ".m"), 0, s.m(), 0, s.m().length);
            System.arraycopy(file.floats(s.name() + ".v"), 0, s.v(), 0, s.v().length);
        }
        optimizer.setStep(state.get("step").asInt());
        return state;
    }

    /** Deletes {@code dir} and everything in it; nothing when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
