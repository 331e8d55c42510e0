package dev.bellm.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where shared fixtures, models and data sets live: the {@code bellm.data} system property, else the
 * {@code BELLM_DATA} environment variable, else {@code ../shared} beside the working directory.
 */
public final class DataDirectory {
    private DataDirectory() {}

    public static Path root() {
        String configured = System.getProperty("bellm.data");
        if (configured == null || configured.isBlank()) configured = System.getenv("BELLM_DATA");
        Path dir = configured == null || configured.isBlank() ? Path.of("..", "shared") : Path.of(configured);
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("data directory " + dir + " does not exist; set -Dbellm.data=DIR or BELLM_DATA to the"
                    + " folder holding fixtures/, models/ and data/");
        }
        return dir;
    }

    /** {@code root().resolve(relative)}, which must exist. */
    public static Path resolve(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " does not exist in the data directory " + root());
        }
        return p;
    }
}
