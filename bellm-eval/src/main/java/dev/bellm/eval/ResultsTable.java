package dev.bellm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results as the papers print them: one row, a column per task (×100, two decimals), then the average.
 * <pre>
 * Model  STS12  STS13  STS14  STS15  STS16  STS-B  SICK-R   Avg.
 * name   72.31  ...
 * </pre>
 */
public final class ResultsTable {
    private ResultsTable() {}

    public static String format(EvalResults results) {
        List<String> header = new ArrayList<>(List.of("Model"));
        List<String> row = new ArrayList<>(List.of(results.model()));
        results.tasks().forEach((name, result) -> {
            header.add(columnName(name));
            row.add(number(result.mainScore()));
        });
        header.add("Avg.");
        row.add(number(results.avg()));
        StringBuilder top = new StringBuilder();
        StringBuilder bottom = new StringBuilder();
        for (int i = 0; i < header.size(); i++) {
            int width = Math.max(header.get(i).length(), row.get(i).length());
            if (i == 0) { // the model name reads left-aligned, numbers right-aligned
                top.append(pad(header.get(i), width, false));
                bottom.append(pad(row.get(i), width, false));
            } else {
                top.append("  ").append(pad(header.get(i), width, true));
                bottom.append("  ").append(pad(row.get(i), width, true));
            }
        }
        return top.toString().stripTrailing() + "\n" + bottom.toString().stripTrailing() + "\n";
    }

    /** The paper's column header for a result key: STS-B for STSBenchmark, SST-2 for SST2, and so on. */
    static String columnName(String resultName) {
        for (StsTask t : StsTask.values()) if (t.resultName.equals(resultName)) return t.columnName;
        for (TransferTask t : TransferTask.values()) if (t.resultName.equals(resultName)) return t.columnName;
        for (RetrievalTask t : RetrievalTask.values()) if (t.resultName.equals(resultName)) return t.columnName;
        return resultName;
    }

    private static String number(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f", value) : "n/a";
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(width - text.length());
        return right ? spaces + text : text + spaces;
    }
}
