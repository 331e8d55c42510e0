package dev.bellm.experiments;

import dev.bellm.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bellm.embed.Pooling;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/** The sweep's files: {@code sweep.csv} (the rows), {@code sweep.md} (tables) and {@code sweep.json} (settings, summary). */
final class SweepFiles {
    static final String CSV = "sweep.csv", MARKDOWN = "sweep.md", JSON_FILE = "sweep.json";
    static final String HEADER = "kind,layers,k,bidirectional_from,pooling,trained,steps,score,seconds";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepFiles() {}

    // ---------------------------------------------------------------- sweep.csv

    static String csv(List<SweepRow> rows) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (SweepRow r : rows) {
            SweepConfig c = r.config();
            sb.append(c.kind()).append(',').append(c.layers()).append(',').append(c.k()).append(',').append(c.bidirectionalFrom())
                    .append(',').append(c.pooling()).append(',').append(c.trained()).append(',').append(r.steps()).append(',')
                    .append(r.score()).append(',').append(String.format(Locale.ROOT, "%.3f", r.seconds())).append('\n');
        }
        return sb.toString();
    }

    /** The rows of a {@code sweep.csv}; a malformed line is an error naming the file and line. */
    static List<SweepRow> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new IllegalArgumentException(file + ": the first line must be the header '" + HEADER + "'; this file was not"
                    + " written by bellm sweep, or was edited. Move it away or use another output folder");
        }
        List<SweepRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            rows.add(parseRow(file, i + 1, lines.get(i)));
        }
        return rows;
    }

    private static SweepRow parseRow(Path file, int line, String text) {
        String[] f = text.split(",", -1);
        String where = file + " line " + line + ": ";
        if (f.length != 9) throw new IllegalArgumentException(where + "expected 9 comma-separated fields (" + HEADER + "), found " + f.length);
        try {
            SweepConfig c = new SweepConfig(SweepConfig.Kind.parse(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Pooling.parse(f[4]), parseBoolean(f[5]));
            if (Integer.parseInt(f[3]) != c.bidirectionalFrom()) {
                throw new IllegalArgumentException("bidirectional_from " + f[3] + " is not layers - k = " + c.bidirectionalFrom());
            }
            return new SweepRow(c, Integer.parseInt(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]));
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IllegalArgumentException(where + e.getMessage() + "; fix or delete the line to run it again", e);
        }
    }

    private static boolean parseBoolean(String s) {
        if (s.equals("true") || s.equals("false")) return s.equals("true");
        throw new IllegalArgumentException("trained must be true or false, got '" + s + "'");
    }

    // ---------------------------------------------------------------- sweep.md

    static String markdown(Map<String, Object> settings, List<SweepRow> rows, SweepSummary summary) {
        int layers = summary.layers();
        StringBuilder md = new StringBuilder("# Sweep: ").append(settings.get("model")).append("\n\n");
        md.append("Scores: ").append(settings.get("evaluation")).append(". The model has L = ").append(layers)
                .append(" layers; k is the number of top layers that attend bidirectionally (bidirectional_from = L - k).\n\n");

        List<String> columns = new ArrayList<>();
        List<SortedMap<Integer, Double>> columnScores = new ArrayList<>();
        List<Integer> bestK = new ArrayList<>();
        for (Pooling p : Pooling.values()) {
            for (boolean trained : new boolean[] {false, true}) {
                SortedMap<Integer, Double> s = SweepSummary.scores(rows, SweepConfig.Kind.BIDIRECTIONAL, p, trained);
                if (s.isEmpty()) continue;
                columns.add(p + ", " + SweepSummary.state(trained));
                columnScores.add(s);
                bestK.add(summary.best().stream().filter(b -> b.pooling() == p && b.trained() == trained)
                        .map(SweepSummary.Best::k).findFirst().orElse(-1));
            }
        }
        if (!columns.isEmpty()) {
            md.append("## Bidirectional top layers\n\n| k | bidirectional_from | ").append(String.join(" | ", columns)).append(" |\n")
                    .append("|---|---|").append("---|".repeat(columns.size())).append('\n');
            TreeSet<Integer> ks = new TreeSet<>();
            columnScores.forEach(s -> ks.addAll(s.keySet()));
            for (int k : ks) {
                md.append("| ").append(k).append(k == 0 ? " (causal)" : "").append(" | ").append(layers - k).append(" |");
                for (int col = 0; col < columns.size(); col++) md.append(' ').append(cell(columnScores.get(col).get(k), k == bestK.get(col))).append(" |");
                md.append('\n');
            }
            md.append("\nBold: the best k of the column. Frozen: the base model as it is; trained: after the same LoRA training"
                    + " for each cell.\n\n");
        }

        List<Pooling> probePoolings = new ArrayList<>();
        List<SortedMap<Integer, Double>> probeScores = new ArrayList<>();
        for (Pooling p : Pooling.values()) {
            SortedMap<Integer, Double> s = SweepSummary.scores(rows, SweepConfig.Kind.TRUNCATED, p, false);
            if (!s.isEmpty()) {
                probePoolings.add(p);
                probeScores.add(s);
            }
        }
        if (!probePoolings.isEmpty()) {
            md.append("## Degradation probe: the causal model cut to its first N layers\n\n| N |");
            probePoolings.forEach(p -> md.append(' ').append(p).append(" |"));
            md.append("\n|---|").append("---|".repeat(probePoolings.size())).append('\n');
            TreeSet<Integer> depths = new TreeSet<>();
            probeScores.forEach(s -> depths.addAll(s.keySet()));
            for (int n : depths) {
                md.append("| ").append(n).append(" |");
                for (int col = 0; col < probePoolings.size(); col++) {
                    Pooling p = probePoolings.get(col);
                    boolean turning = summary.probe().stream().anyMatch(t -> t.pooling() == p && t.depth() == n);
                    md.append(' ').append(cell(probeScores.get(col).get(n), turning)).append(" |");
                }
                md.append('\n');
            }
            md.append("\nBold: the depth with the highest score.\n\n");
        }

        md.append("## Turning points\n\n");
        for (String line : summary.lines()) md.append("- ").append(line).append('\n');
        md.append("\nRules:\n\n- ").append(SweepSummary.BEST_K_RULE).append("\n- ").append(SweepSummary.RECOMMENDATION_RULE)
                .append("\n- ").append(SweepSummary.PROBE_RULE).append("\n\n## Settings\n\n");
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            md.append("- ").append(e.getKey()).append(": `").append(jsonText(e.getValue())).append("`\n");
        }
        double seconds = rows.stream().mapToDouble(SweepRow::seconds).sum();
        md.append(String.format(Locale.ROOT, "%n%d configurations, %.1f s in all.%n", rows.size(), seconds));
        return md.toString();
    }

    private static String cell(Double score, boolean bold) {
        if (score == null) return "";
        String s = SweepSummary.format(score);
        return bold ? "**" + s + "**" : s;
    }

    // ---------------------------------------------------------------- sweep.json

    static byte[] json(Map<String, Object> settings, List<SweepRow> rows, SweepSummary summary) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings);
        m.put("configurations", rows.size());
        m.put("seconds", rows.stream().mapToDouble(SweepRow::seconds).sum());
        m.put("summary", summary.toMap());
        return JSON.writeValueAsBytes(m);
    }

    /** A value as compact JSON text: how settings are shown and compared (a number read back may have another Java type). */
    static String jsonText(Object value) {
        return JSON.valueToTree(value).toString();
    }

    static JsonNode readSettings(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not readable JSON (" + e.getMessage() + "); restore it or use another output folder", e);
        }
        JsonNode settings = root == null ? null : root.get("settings");
        if (settings == null || !settings.isObject()) {
            throw new IllegalArgumentException(file + " has no \"settings\" object; restore it or use another output folder");
        }
        return settings;
    }

}
