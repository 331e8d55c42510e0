package dev.bellm.eval;

import dev.bellm.io.DataDirectory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the evaluation data lives, and reading its files with errors that name the file and say what to do. */
public final class DataFiles {
    private DataFiles() {}

    /** The data folder of the shared data directory ({@code <bellm.data>/data}, holding {@code sts/} and {@code transfer/}). */
    public static Path defaultDataDir() {
        return DataDirectory.root().resolve("data");
    }

    /** {@code dir}, which must be an existing folder, else an error saying how to point at the data. */
    static Path requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir, "data folder not found; it should hold sts/ and transfer/ (the data/ folder of"
                    + " the shared data directory: set -Dbellm.data or BELLM_DATA)");
        }
        return dir;
    }

    /**
     * Every line of {@code file} (line ends \n, \r\n or \r removed). A leading byte-order mark is dropped.
     *
     * @throws DatasetException when the file is missing, unreadable, or not valid in {@code charset}
     */
    static List<String> readLines(Path file, Charset charset) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, "no such file; the evaluation data is expected under the data directory's data/"
                    + " folder (set -Dbellm.data or BELLM_DATA to the folder holding data/sts and data/transfer)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, charset);
        } catch (CharacterCodingException e) {
            throw new DatasetException(file, "not valid " + charset + " text: " + e, e);
        } catch (IOException e) {
            throw new DatasetException(file, "cannot read: " + e, e);
        }
        if (!lines.isEmpty() && lines.getFirst().startsWith("\uFEFF")) {
            lines.set(0, lines.getFirst().substring(1));
        }
        return lines;
    }

    /** {@code text} as a finite number, else an error naming the file, line and field. */
    static double parseNumber(Path file, int line, String field, String text) {
        try {
            double value = Double.parseDouble(text.strip());
            if (Double.isFinite(value)) return value;
        } catch (NumberFormatException ignored) {
            // reported below with the file and line
        }
        throw new DatasetException(file, line, field + " '" + text + "' is not a number");
    }
}
