package dev.bellm.io;

import dev.bellm.model.ModelWeights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one entry point for base models: a directory is a Hugging Face checkpoint, a {@code .bin} file a
 * legacy llama2.c checkpoint. Pickled PyTorch files are refused outright, whatever their name.
 */
public final class ModelLoader {
    private ModelLoader() {}

    public static ModelWeights load(Path path) {
        if (Files.isDirectory(path)) {
            return HfCheckpoint.load(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(path, "no such file or directory");
        }
        if (isPickled(path)) {
            throw pickledRefusal(path);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".bin")) {
            return Llama2cCheckpoint.load(path);
        }
        if (name.endsWith(".safetensors") || name.endsWith(".json")) {
            throw new CheckpointException(path, "is one file of a Hugging Face checkpoint; pass the directory that holds"
                    + " config.json and the safetensors weights");
        }
        throw new CheckpointException(path, "not a checkpoint bellm reads: pass a Hugging Face checkpoint directory"
                + " (config.json + safetensors) or a llama2.c .bin file");
    }

    /** The error for a pickled PyTorch file: loading one would run arbitrary code from the file. */
    static CheckpointException pickledRefusal(Path file) {
        return new CheckpointException(file, "is a pickled PyTorch file; bellm never loads pickled PyTorch files (unpickling"
                + " runs code from the file). Convert the checkpoint to safetensors, e.g. in Python:"
                + " model.save_pretrained(dir, safe_serialization=True), and load that directory");
    }

    /**
     * Whether {@code file} starts like a torch.save file: a zip archive ("PK\3\4", the format since PyTorch 1.6)
     * or a raw pickle (PROTO opcode 0x80, protocol 2..5, then another opcode). The third byte tells a pickle
     * from a llama2.c header whose int32 dim happens to start with 0x80 0x02..0x05 (640, 896, ...): pickle has
     * no opcode 0, while such a dim below 65536 has a zero third byte.
     */
    static boolean isPickled(Path file) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
        }
        boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = n >= 3 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] != 0;
        return zip || pickle;
    }
}
