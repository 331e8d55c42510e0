package dev.bellm.train;

import dev.bellm.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A run's curves as {@link Trainer} writes them to {@code loss.csv} ({@link #write}, which the distiller uses too): the loss at every optimizer step and the dev score
 * at the steps that had one. Columns are found by their header name, not their position.
 */
public record LossCurve(List<Double> steps, List<Double> loss, List<Double> devSteps, List<Double> dev) {
    public static final String FILE = "loss.csv";

    /**
     * Writes {@code history} (one map per step) as CSV, atomically: a header of {@code columns}, then each step's value
     * of each column, empty where it has none. {@link #read} reads such a file back by column name.
     */
    public static void write(Path file, List<String> columns, List<Map<String, Object>> history) throws IOException {
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (Map<String, Object> h : history) {
            for (int c = 0; c < columns.size(); c++) {
                Object v = h.get(columns.get(c));
                sb.append(c == 0 ? "" : ",").append(v == null ? "" : v);
            }
            sb.append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads {@code runDir/loss.csv}. */
    public static LossCurve read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) throw new IllegalArgumentException(file + ": empty, expected a header line");
        List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
        int step = column(file, header, "step"), loss = column(file, header, "loss"), dev = column(file, header, "dev");
        List<Double> steps = new ArrayList<>(), losses = new ArrayList<>(), devSteps = new ArrayList<>(), devs = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != header.size()) throw new IllegalArgumentException(file + ": line " + (i + 1) + " has " + f.length + " fields, the header " + header.size());
            double s = Double.parseDouble(f[step]);
            steps.add(s);
            losses.add(Double.parseDouble(f[loss]));
            if (!f[dev].isEmpty()) {
                devSteps.add(s);
                devs.add(Double.parseDouble(f[dev]));
            }
        }
        return new LossCurve(List.copyOf(steps), List.copyOf(losses), List.copyOf(devSteps), List.copyOf(devs));
    }

    private static int column(Path file, List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException(file + ": no '" + name + "' column in the header " + header);
        return i;
    }
}
