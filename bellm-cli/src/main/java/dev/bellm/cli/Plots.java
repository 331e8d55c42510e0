package dev.bellm.cli;

import dev.bellm.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG line plots (XChart), written atomically. */
final class Plots {
    private Plots() {}

    /** One named series of (x, y) points. */
    record Series(String name, List<Double> x, List<Double> y) {}

    static void line(Path png, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.x().isEmpty()) continue;
            XYSeries xy = chart.addSeries(s.name() + (seen.merge(s.name(), 1, Integer::sum) > 1 ? " " + seen.get(s.name()) : ""), s.x(), s.y());
            xy.setMarker(s.x().size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
