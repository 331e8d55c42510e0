package dev.bellm.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a file completely or not at all: into a temporary file beside it, then renamed into place, so a crash
 * or an error never leaves a half-written result where a user's earlier output was.
 *
 * <p>The temporary file is {@code .NAME.PID-RANDOM.tmp}, made with the mode the umask gives (not
 * {@link Files#createTempFile}'s 0600, which the renamed output would keep). A process killed mid-write leaves its
 * temporary file behind; the next write of the same file removes those whose process is no longer running.
 */
public final class AtomicFiles {
    private static final Pattern TEMP_NAME = Pattern.compile("\\.(.+)\\.(\\d+)-[0-9a-z]+\\.tmp");

    private AtomicFiles() {}

    /** What produces the file's content. */
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path file, Content content) throws IOException {
        Path tmp = temporaryFileFor(file);
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE))) {
                content.writeTo(out);
            }
            commit(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * A new, empty temporary file beside {@code file} (its directory is created if need be), after removing the
     * temporary files of {@code file} that dead processes left. The caller writes it, then {@link #commit}s it, and
     * deletes it in a {@code finally} (a no-op after the commit).
     */
    public static Path temporaryFileFor(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        removeStaleTemporaryFiles(dir, file.getFileName().toString());
        String prefix = "." + file.getFileName() + "." + ProcessHandle.current().pid() + "-";
        while (true) {
            Path tmp = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // taken: draw another name
            }
        }
    }

    /** Renames the written temporary file over {@code file} in one step. */
    public static void commit(Path tmp, Path file) throws IOException {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes {@code .NAME.PID-*.tmp} in {@code dir} whose process has ended; another live writer's file is left alone. */
    static void removeStaleTemporaryFiles(Path dir, String name) throws IOException {
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(dir, "." + globEscape(name) + ".*.tmp")) {
            for (Path candidate : candidates) {
                Matcher m = TEMP_NAME.matcher(candidate.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(name)) continue;
                long pid;
                try {
                    pid = Long.parseLong(m.group(2));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                Files.deleteIfExists(candidate);
            }
        }
    }

    private static String globEscape(String name) {
        return name.replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1");
    }
}
