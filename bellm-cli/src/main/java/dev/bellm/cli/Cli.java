package dev.bellm.cli;

import dev.bellm.io.AtomicFiles;
import java.io.OutputStream;
import java.nio.file.Path;

/** Small file helpers shared by the commands. */
final class Cli {
    private Cli() {}

    interface Writer {
        void write(OutputStream out) throws java.io.IOException;
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
        AtomicFiles.write(file, writer::write);
    }
}
