package dev.switchboard.ipc.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/** The PNG charts next to benchmarks.md, drawn from the same figures as its tables. */
public final class Charts {

    private Charts() {}

    /** File name (in the report directory) of the latency chart for one payload size. */
    public static String latencyFile(int size) {
        return "benchmarks-rtt-" + size + ".png";
    }

    public static final String SCALE_FILE = "benchmarks-scale.png";

    /**
     * Bars per series: p50 and p99, pinned and unpinned, on a log axis because the series span
     * three orders of magnitude. A number that was not measured has no bar (never a zero bar,
     * which would read as "infinitely fast"); series with no number at all are left out.
     *
     * @return false when there was nothing to draw
     */
    public static boolean latency(List<Figure> figures, int size, Path file) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> pinnedP50 = new ArrayList<>();
        List<Double> pinnedP99 = new ArrayList<>();
        List<Double> unpinnedP50 = new ArrayList<>();
        List<Double> unpinnedP99 = new ArrayList<>();
        for (Series s : Series.values()) {
            Figure p = find(figures, s, size, true);
            Figure u = find(figures, s, size, false);
            if ((p == null || !p.measured()) && (u == null || !u.measured())) {
                continue;
            }
            names.add(s.id);
            pinnedP50.add(p != null && p.measured() ? p.p50() : null);
            pinnedP99.add(p != null && p.measured() ? p.p99() : null);
            unpinnedP50.add(u != null && u.measured() ? u.p50() : null);
            unpinnedP99.add(u != null && u.measured() ? u.p99() : null);
        }
        if (names.isEmpty()) {
            return false;
        }
        double smallest = Double.MAX_VALUE;
        for (List<Double> l : List.of(pinnedP50, pinnedP99, unpinnedP50, unpinnedP99)) {
            for (Double v : l) {
                if (v != null && v > 0) {
                    smallest = Math.min(smallest, v);
                }
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(560)
                .title("Round trip, " + Report.size(size) + " payload (log scale, lower is better; no bar = not measured)")
                .xAxisTitle("series").yAxisTitle("µs").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(true);
        // bars grow from the axis minimum, which a log axis needs set below every value
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.addSeries("pinned p50", names, pinnedP50).setFillColor(new Color(0x1f77b4));
        chart.addSeries("pinned p99", names, pinnedP99).setFillColor(new Color(0xaec7e8));
        chart.addSeries("unpinned p50", names, unpinnedP50).setFillColor(new Color(0xff7f0e));
        chart.addSeries("unpinned p99", names, unpinnedP99).setFillColor(new Color(0xffbb78));
        BitmapEncoder.saveBitmap(chart, withoutPng(file), BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    /**
     * Aggregate round trips per second (left axis) and p99 round trip (right axis) against the
     * number of children on the broker.
     *
     * @return false when no scale run produced a number
     */
    public static boolean scale(List<Figure> figures, Path file) throws IOException {
        List<Integer> n = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (Figure f : figures) {
            if (f.children() != null && f.measured() && f.extra().get("roundtrips_per_s") instanceof Double r) {
                n.add(f.children());
                rate.add(r);
                p99.add(f.p99());
            }
        }
        if (n.isEmpty()) {
            return false;
        }
        XYChart chart = new XYChartBuilder().width(1000).height(560)
                .title("N children ping-ponging on one broker").xAxisTitle("children (N)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        // from zero on both axes, so that a flat line looks flat and a small change looks small
        chart.getStyler().setYAxisMin(0, 0.0);
        chart.getStyler().setYAxisMin(1, 0.0);
        chart.getStyler().setMarkerSize(8);
        chart.setYAxisGroupTitle(0, "aggregate round trips/s");
        chart.setYAxisGroupTitle(1, "p99 round trip (µs)");
        XYSeries r = chart.addSeries("aggregate round trips/s", n, rate);
        r.setLineColor(new Color(0x1f77b4));
        XYSeries q = chart.addSeries("p99 round trip µs (right axis)", n, p99);
        q.setYAxisGroup(1);
        q.setLineColor(new Color(0xd62728));
        BitmapEncoder.saveBitmap(chart, withoutPng(file), BitmapEncoder.BitmapFormat.PNG);
        return true;
    }

    private static Figure find(List<Figure> figures, Series s, int size, boolean pinned) {
        for (Figure f : figures) {
            if (f.series().equals(s.id) && !f.isPairedFloor() && f.metric().equals("rtt_us") && f.children() == null
                    && Integer.valueOf(size).equals(f.payloadBytes()) && Boolean.valueOf(pinned).equals(f.pinned())) {
                return f;
            }
        }
        return null;
    }

    /** XChart appends the extension itself. */
    private static String withoutPng(Path file) {
        String s = file.toString();
        return s.endsWith(".png") ? s.substring(0, s.length() - 4) : s;
    }
}
