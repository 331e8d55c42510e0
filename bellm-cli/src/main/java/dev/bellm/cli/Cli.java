package dev.bellm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Small file helpers shared by the commands. */
final class Cli {
    private Cli() {}

    interface Writer {
        void write(OutputStream out) throws Exception;
    }

    static BufferedReader reader(Path file) throws IOException {
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file " + file + " does not exist");
        }
    }

    /** Writes to stdout for "-", else to a temporary file beside the target that is renamed into place when complete. */
    static void writeAtomically(String target, Writer writer) throws Exception {
        if (target.equals("-")) {
            writer.write(System.out);
            System.out.flush();
            return;
        }
        writeAtomically(Path.of(target), writer);
    }

    static void writeAtomically(Path file, Writer writer) throws Exception {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
