package dev.bellm.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theOutputIsReadableByOthersAsTheUmaskAllows() throws IOException {
        Path file = dir.resolve("out.json");
        AtomicFiles.write(file, "{}".getBytes());
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        // what a plain new file gets here (0600 would be Files.createTempFile's private mode)
        Set<PosixFilePermission> plain = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        assertEquals(plain, mode);
        assertTrue(mode.contains(PosixFilePermission.OWNER_READ) && mode.contains(PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("out.txt");
        AtomicFiles.write(file, "old".getBytes());
        assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("out.txt"), listing());
    }

    @Test
    void theNextWriteRemovesTemporaryFilesThatADeadProcessLeft() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        Path file = dir.resolve("loss.png");
        Path stale = Files.writeString(dir.resolve(".loss.png." + gone.pid() + "-abc123.tmp"), "half a plot");
        // one of a live writer (this process) and one of another file stay
        Path live = Files.writeString(dir.resolve(".loss.png." + ProcessHandle.current().pid() + "-def456.tmp"), "in progress");
        Path other = Files.writeString(dir.resolve(".loss.csv." + gone.pid() + "-abc123.tmp"), "another file's");
        AtomicFiles.write(file, "png".getBytes());
        assertTrue(Files.notExists(stale), "the dead process's temporary file is removed");
        assertEquals(List.of(other.getFileName().toString(), live.getFileName().toString(), "loss.png"), listing());
    }
}
