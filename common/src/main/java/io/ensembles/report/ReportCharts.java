package io.ensembles.report;

import io.ensembles.metrics.ReliabilityBin;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The reports' charts, drawn with XChart and embedded in the page as PNG. */
final class ReportCharts {
    private static final int W = 560;
    private static final int H = 360;

    private ReportCharts() {}

    /** A metric of the report's rows that the size and budget curves plot. */
    record Metric(String name, ToDoubleFunction<EvaluationReport.Row> value) {}

    static final List<Metric> METRICS = List.of(
            new Metric("error", EvaluationReport.Row::error),
            new Metric("NLL", EvaluationReport.Row::nll),
            new Metric("calibrated NLL", EvaluationReport.Row::calibratedNll),
            new Metric("ECE", EvaluationReport.Row::ece),
            new Metric("Brier score", EvaluationReport.Row::brier),
            new Metric("disagreement", EvaluationReport.Row::disagreement));

    static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(W).height(H).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setLegendBackgroundColor(new Color(255, 255, 255, 200));
        c.getStyler().setMarkerSize(6);
        return c;
    }

    /** Adds a series, leaving out NaN points (and the series, when nothing is left). */
    static XYSeries add(XYChart c, String name, double[] x, double[] y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i]) || Double.isNaN(y[i]) || Double.isInfinite(y[i])) continue;
            xs.add(x[i]);
            ys.add(y[i]);
        }
        if (xs.isEmpty()) return null;
        String unique = name;
        for (int i = 2; c.getSeriesMap().containsKey(unique); i++) unique = name + " (" + i + ")";
        return c.addSeries(unique, xs, ys);
    }

    static XYChart sizeCurve(List<Comparison.Entry> entries, Metric m) {
        XYChart c = chart(m.name() + " against ensemble size", "ensemble size", m.name());
        for (Comparison.Entry e : entries) {
            List<EvaluationReport.Row> rows = Comparison.curve(e.report());
            add(c, e.name(), rows.stream().mapToDouble(EvaluationReport.Row::size).toArray(),
                    rows.stream().mapToDouble(m.value()).toArray());
        }
        return c;
    }

    static XYChart budgetCurve(List<Comparison.Entry> entries, Metric m) {
        XYChart c = chart(m.name() + " against training budget", "budget (B)", m.name());
        for (Comparison.Entry e : entries) {
            List<EvaluationReport.Row> rows = e.report().rows().stream().filter(r -> r.kind().equals("ensemble"))
                    .toList();
            add(c, e.name(), rows.stream().mapToDouble(EvaluationReport.Row::budget).toArray(),
                    rows.stream().mapToDouble(m.value()).toArray());
        }
        return c;
    }

    static XYChart reliability(Comparison.Entry e) {
        XYChart c = chart("Reliability: " + e.name(), "confidence", "accuracy");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        XYSeries diag = add(c, "calibrated", new double[] {0, 1}, new double[] {0, 1});
        if (diag != null) {
            diag.setMarker(SeriesMarkers.NONE);
            diag.setLineColor(Color.GRAY);
            diag.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f}, 0f));
        }
        for (EvaluationReport.Reliability r : e.report().reliability()) {
            List<ReliabilityBin> bins = r.bins().stream().filter(b -> b.count() > 0).toList();
            add(c, r.model(), bins.stream().mapToDouble(ReliabilityBin::confidence).toArray(),
                    bins.stream().mapToDouble(ReliabilityBin::accuracy).toArray());
        }
        return c;
    }

    static XYChart histogram(Comparison.Entry e, String score) {
        List<OodEvaluation.Histogram> hs = e.report().oodHistograms().stream().filter(x -> x.score().equals(score))
                .toList();
        if (hs.isEmpty()) return null;
        XYChart c = chart("OOD: " + score + ", " + e.name(), score, "share of examples");
        c.getStyler().setXAxisDecimalPattern("0.00");
        for (OodEvaluation.Histogram x : hs) {
            double[] mid = new double[x.lower().length];
            for (int i = 0; i < mid.length; i++) mid[i] = x.lower()[i] + x.width() / 2;
            XYSeries s = add(c, x.set(), mid, x.share());
            if (s != null) {
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        return c;
    }

    static XYChart shiftMean(List<Comparison.Entry> entries, String name,
                                     ToDoubleFunction<ShiftEvaluation.Row> value) {
        XYChart c = chart(name + " under shift (mean over corruptions)", "severity", name);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW); // the curves rise to the right
        for (Comparison.Entry e : entries) {
            if (e.report().shift().isEmpty()) continue;
            double[] x = new double[6];
            double[] y = new double[6];
            EvaluationReport.Row clean = e.report().ensembleOfSize(
                    (int) e.report().rows().stream().filter(r -> r.kind().equals("member")).count());
            y[0] = name.equals("error") ? clean.error() : clean.nll();
            for (int sev = 1; sev <= 5; sev++) {
                final int s = sev;
                x[sev] = sev;
                y[sev] = e.report().shift().stream().filter(r -> r.severity() == s).mapToDouble(value).average()
                        .orElse(Double.NaN);
            }
            add(c, e.name(), x, y);
        }
        return c;
    }

    static XYChart shiftByCorruption(Comparison.Entry e) {
        XYChart c = chart("Error under shift: " + e.name(), "severity", "error");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        Map<String, List<ShiftEvaluation.Row>> by = new LinkedHashMap<>();
        for (ShiftEvaluation.Row r : e.report().shift()) by.computeIfAbsent(r.corruption(), k -> new ArrayList<>()).add(r);
        by.forEach((name, rows) -> add(c, name, rows.stream().mapToDouble(ShiftEvaluation.Row::severity).toArray(),
                rows.stream().mapToDouble(ShiftEvaluation.Row::error).toArray()));
        return c;
    }

    static XYChart deeCurve(List<Comparison.Row> rows) {
        XYChart c = chart("Deep-ensemble equivalent against ensemble size", "ensemble size", "DEE");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        Map<String, List<Comparison.Row>> by = new LinkedHashMap<>();
        for (Comparison.Row r : rows) by.computeIfAbsent(r.ensemble(), k -> new ArrayList<>()).add(r);
        by.forEach((name, rs) -> add(c, name, rs.stream().mapToDouble(Comparison.Row::size).toArray(),
                rs.stream().mapToDouble(Comparison.Row::dee).toArray()));
        return c;
    }

    static String img(XYChart c) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
            return "<img alt=\"" + HtmlReport.esc(c.getTitle()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png) + "\">\n";
        } catch (IOException e) {
            throw new UncheckedIOException("could not draw the chart '" + c.getTitle() + "'", e);
        }
    }
}
