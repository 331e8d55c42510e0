package dev.bellm.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps two training runs out of one output directory: an operating-system lock on {@code DIR/.bellm-train.lock},
 * taken at the start and held until the run ends. A second run into the same directory fails at once and names the
 * process that holds it. The kernel drops the lock when its process dies, however it dies, so a lock file left by a
 * killed run is stale by construction: the next run takes it over (and says so). The file itself stays, holding the
 * last owner's process id; deleting it would let two runs lock two different files of the same name.
 */
final class OutputLock implements AutoCloseable {
    static final String FILE = ".bellm-train.lock";
    private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static OutputLock acquire(Path outDir) throws IOException {
        Path file = outDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            String previous = owner(channel);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this JVM already holds it
            }
            if (lock == null) {
                throw new IllegalStateException(outDir + " is in use by another training run" + (previous.isEmpty() ? ""
                        : " (process " + previous + ")") + "; wait for it to finish or choose another output directory");
            }
            if (!previous.isEmpty() && !previous.equals(String.valueOf(ProcessHandle.current().pid()))) {
                LOG.info("{} was left by process {}, which is no longer running; taking it over", file, previous);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
            return new OutputLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The process id the file names, or "" when it is empty or not one. */
    private static String owner(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        return text.matches("\\d{1,19}") ? text : "";
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
