package io.ensembles.report;

import io.ensembles.metrics.ReliabilityBin;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
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

/**
 * The evaluation as one self-contained HTML page (charts drawn with XChart, embedded as PNG):
 * the headline table with costs, every metric against the ensemble size and against the training
 * budget (the curves of Huang et al.'s and Ashukha et al.'s figures), reliability diagrams, OOD
 * score histograms, error and NLL against corruption severity, and the DEE table. Works for one
 * ensemble or several side by side.
 */
public final class HtmlReport {
    private static final int W = 560;
    private static final int H = 360;

    private HtmlReport() {}

    /** The page for {@code entries} (evaluated ensembles) with their side-by-side rows. */
    public static String render(String title, List<Comparison.Entry> entries, List<Comparison.Row> comparison) {
        return render(title, entries, comparison, null);
    }

    /** Marks the loss-landscape part of an evaluation report, which {@link #withLandscape} replaces. */
    private static final String LANDSCAPE_START = "<section id=\"landscape\">";
    private static final String LANDSCAPE_END = "</section>";

    /**
     * The evaluation report's loss-landscape part: a link to the folder's {@code landscape.html}
     * with its summary, or, when there is none yet, the command that makes one.
     */
    public static String landscapeSection(String summary, String folder) {
        StringBuilder h = new StringBuilder(LANDSCAPE_START).append("<h2>Loss landscape</h2>\n<p class=\"note\">");
        if (summary != null) {
            h.append("<a href=\"landscape.html\">landscape.html</a>: weight- and function-space similarity of the "
                    + "checkpoints, their t-SNE map, ensembles of independent members against checkpoints of one "
                    + "run, and the loss between solutions.</p>\n<pre>").append(esc(summary)).append("</pre>");
        } else {
            h.append("Not measured yet: <code>submit/ensemble landscape --ensemble ").append(esc(folder))
                    .append("</code> writes landscape.html into this folder and links it here (train with "
                            + "<code>training.keep-checkpoints = true</code> to include every member's epochs).</p>");
        }
        return h.append(LANDSCAPE_END).append("\n").toString();
    }

    /** An evaluation report with its loss-landscape part replaced (or added, in a report older than it). */
    public static String withLandscape(String html, String section) {
        int start = html.indexOf(LANDSCAPE_START);
        if (start >= 0) {
            int end = html.indexOf(LANDSCAPE_END, start);
            if (end < 0) throw new IllegalArgumentException("the report's landscape section is not closed");
            return html.substring(0, start) + section.stripTrailing() + html.substring(end + LANDSCAPE_END.length());
        }
        int body = html.lastIndexOf("</body>");
        if (body < 0) throw new IllegalArgumentException("not an HTML report: no </body>");
        return html.substring(0, body) + section + html.substring(body);
    }

    /** The page, with {@code landscape} (see {@link #landscapeSection}; null = none) at its end. */
    public static String render(String title, List<Comparison.Entry> entries, List<Comparison.Row> comparison,
                                String landscape) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
                        + "img{margin:4px;border:1px solid #eee}.note{color:#555;max-width:900px}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"note\">Generated ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(". Ensemble rows average the members' probabilities; curves against size are averaged over "
                        + "random member orders where the evaluation has them. Calibrated NLL: temperature scaling "
                        + "fitted by test-time cross-validation. DEE: the deep-ensemble size with the same calibrated "
                        + "log-likelihood.</p>\n");

        inputs(h, entries);
        leftOut(h, entries);
        headline(h, entries, comparison);

        h.append("<h2>Metrics against ensemble size</h2>\n");
        for (Metric m : METRICS) h.append(img(sizeCurve(entries, m)));
        h.append("<h2>Metrics against training budget</h2>\n<p class=\"note\">The same ensembles with the "
                + "training each size cost (members in manifest order), in units of B, the epochs of one ordinary "
                + "model: methods compared at equal cost.</p>\n");
        h.append(img(budgetCurve(entries, METRICS.get(0)))).append(img(budgetCurve(entries, METRICS.get(2))));

        h.append("<h2>Reliability diagrams</h2>\n<p class=\"note\">Accuracy against mean confidence per "
                + "confidence bin (the bins of ECE); on the diagonal a model is calibrated, below it overconfident.</p>\n");
        for (Comparison.Entry e : entries) {
            if (!e.report().reliability().isEmpty()) h.append(img(reliability(e)));
        }

        if (entries.stream().anyMatch(e -> !e.report().oodHistograms().isEmpty())) {
            h.append("<h2>Out-of-distribution scores</h2>\n<p class=\"note\">Share of the in-distribution "
                    + "(test) and out-of-distribution examples per value of the whole ensemble's predictive entropy "
                    + "and mutual information: the less the two overlap, the better the score detects OOD inputs.</p>\n");
            for (Comparison.Entry e : entries) {
                for (String score : List.of("entropy", "mutual-information")) {
                    XYChart c = histogram(e, score);
                    if (c != null) h.append(img(c));
                }
            }
            oodTable(h, entries);
        }

        if (entries.stream().anyMatch(e -> !e.report().shift().isEmpty())) {
            h.append("<h2>Distribution shift</h2>\n<p class=\"note\">The test set under corruptions generated in "
                    + "code at severities 1-5 (0 = clean).</p>\n");
            h.append(img(shiftMean(entries, "error", ShiftEvaluation.Row::error)));
            h.append(img(shiftMean(entries, "NLL", ShiftEvaluation.Row::nll)));
            for (Comparison.Entry e : entries) {
                if (!e.report().shift().isEmpty()) h.append(img(shiftByCorruption(e)));
            }
        }

        if (comparison.stream().anyMatch(r -> !Double.isNaN(r.dee()))) {
            h.append("<h2>Deep-ensemble equivalent</h2>\n");
            h.append(img(deeCurve(comparison)));
            h.append("<table><tr><th class=\"l\">ensemble</th><th>size</th><th>budget</th><th>cal NLL</th>"
                    + "<th>DEE</th></tr>\n");
            for (Comparison.Row r : comparison) {
                h.append("<tr><td class=\"l\">").append(esc(r.ensemble())).append("</td><td>").append(r.size())
                        .append("</td><td>").append(budget(r.budget())).append("</td><td>")
                        .append(f4(r.calibratedNll())).append("</td><td>").append(dee(r.dee())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        if (landscape != null) h.append(landscape);
        h.append("</body></html>\n");
        return h.toString();
    }

    private record Metric(String name, ToDoubleFunction<EvaluationReport.Row> value) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("error", EvaluationReport.Row::error),
            new Metric("NLL", EvaluationReport.Row::nll),
            new Metric("calibrated NLL", EvaluationReport.Row::calibratedNll),
            new Metric("ECE", EvaluationReport.Row::ece),
            new Metric("Brier score", EvaluationReport.Row::brier),
            new Metric("disagreement", EvaluationReport.Row::disagreement));

    /** What each ensemble reads: its example shape and class names. */
    private static void inputs(StringBuilder h, List<Comparison.Entry> entries) {
        StringBuilder items = new StringBuilder();
        for (Comparison.Entry e : entries) {
            EvaluationReport.Input in = e.report().input();
            if (in == null) continue;
            List<String> names = in.classNames();
            String shown = names.size() <= 20 ? String.join(", ", names)
                    : String.join(", ", names.subList(0, 20)) + ", ...";
            items.append("<li>").append(esc(e.name())).append(": ").append(esc(in.shape())).append(", ")
                    .append(names.size()).append(" classes (").append(esc(shown)).append(")</li>\n");
        }
        if (items.length() > 0) h.append("<h2>Data</h2>\n<ul>\n").append(items).append("</ul>\n");
    }

    /** The members that no row of the page includes (failed, collapsed, unverified), with their reasons. */
    private static void leftOut(StringBuilder h, List<Comparison.Entry> entries) {
        StringBuilder items = new StringBuilder();
        for (Comparison.Entry e : entries) {
            for (EvaluationReport.LeftOut l : e.report().leftOut()) {
                items.append("<li>").append(esc(e.name())).append(" / ").append(esc(l.id())).append(": ")
                        .append(esc(l.status())).append(l.reason() == null ? "" : " &mdash; " + esc(l.reason()))
                        .append("</li>\n");
            }
        }
        if (items.length() == 0) return;
        h.append("<h2>Members left out</h2>\n<p class=\"note\">These members are in the manifest but in no row "
                + "below: every metric is of the others.</p>\n<ul>\n").append(items).append("</ul>\n");
    }

    private static void headline(StringBuilder h, List<Comparison.Entry> entries, List<Comparison.Row> comparison) {
        h.append("<h2>Headline numbers</h2>\n<table><tr><th class=\"l\">ensemble</th><th class=\"l\">method</th>"
                + "<th>size</th><th>budget</th><th>error</th><th>NLL</th><th>cal NLL</th><th>ECE</th>"
                + "<th>OOD AUROC (entropy)</th><th>DEE</th><th>parameters</th><th>training s</th>"
                + "<th>inference s / 1000</th></tr>\n");
        Map<String, Integer> largest = new LinkedHashMap<>();
        for (Comparison.Row r : comparison) largest.merge(r.ensemble(), r.size(), Math::max);
        for (Comparison.Row r : comparison) {
            if (r.size() != 1 && r.size() != 5 && r.size() != largest.get(r.ensemble())) continue;
            h.append("<tr><td class=\"l\">").append(esc(r.ensemble())).append("</td><td class=\"l\">")
                    .append(esc(r.method())).append("</td><td>").append(r.size()).append("</td><td>")
                    .append(budget(r.budget())).append("</td><td>").append(f4(r.error())).append("</td><td>")
                    .append(f4(r.nll())).append("</td><td>").append(f4(r.calibratedNll())).append("</td><td>")
                    .append(f4(r.ece())).append("</td><td>").append(f4(r.oodAurocEntropy())).append("</td><td>")
                    .append(dee(r.dee())).append("</td><td>").append(cost(r.parameters(), "%,.0f"))
                    .append("</td><td>").append(cost(r.trainingSeconds(), "%.1f")).append("</td><td>")
                    .append(cost(r.inferenceSecondsPer1000(), "%.3f")).append("</td></tr>\n");
        }
        h.append("</table>\n<p class=\"note\">Costs are the whole ensemble's (all its members); "
                + "every size of every metric is in each ensemble's metrics.json.</p>\n");
    }

    private static void oodTable(StringBuilder h, List<Comparison.Entry> entries) {
        h.append("<table><tr><th class=\"l\">ensemble</th><th>size</th><th class=\"l\">score</th><th>AUROC</th>"
                + "<th>AUPR</th><th>FPR at 95% TPR</th></tr>\n");
        for (Comparison.Entry e : entries) {
            int k = e.report().ood().stream().mapToInt(OodEvaluation.Row::size).max().orElse(0);
            for (OodEvaluation.Row r : e.report().ood()) {
                if (r.size() != 1 && r.size() != k) continue;
                h.append("<tr><td class=\"l\">").append(esc(e.name())).append("</td><td>").append(r.size())
                        .append("</td><td class=\"l\">").append(r.score()).append("</td><td>").append(f4(r.auroc()))
                        .append("</td><td>").append(f4(r.aupr())).append("</td><td>").append(f4(r.fprAt95Tpr()))
                        .append("</td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

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

    private static XYChart sizeCurve(List<Comparison.Entry> entries, Metric m) {
        XYChart c = chart(m.name() + " against ensemble size", "ensemble size", m.name());
        for (Comparison.Entry e : entries) {
            List<EvaluationReport.Row> rows = Comparison.curve(e.report());
            add(c, e.name(), rows.stream().mapToDouble(EvaluationReport.Row::size).toArray(),
                    rows.stream().mapToDouble(m.value()).toArray());
        }
        return c;
    }

    private static XYChart budgetCurve(List<Comparison.Entry> entries, Metric m) {
        XYChart c = chart(m.name() + " against training budget", "budget (B)", m.name());
        for (Comparison.Entry e : entries) {
            List<EvaluationReport.Row> rows = e.report().rows().stream().filter(r -> r.kind().equals("ensemble"))
                    .toList();
            add(c, e.name(), rows.stream().mapToDouble(EvaluationReport.Row::budget).toArray(),
                    rows.stream().mapToDouble(m.value()).toArray());
        }
        return c;
    }

    private static XYChart reliability(Comparison.Entry e) {
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

    private static XYChart histogram(Comparison.Entry e, String score) {
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

    private static XYChart shiftMean(List<Comparison.Entry> entries, String name,
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

    private static XYChart shiftByCorruption(Comparison.Entry e) {
        XYChart c = chart("Error under shift: " + e.name(), "severity", "error");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        Map<String, List<ShiftEvaluation.Row>> by = new LinkedHashMap<>();
        for (ShiftEvaluation.Row r : e.report().shift()) by.computeIfAbsent(r.corruption(), k -> new ArrayList<>()).add(r);
        by.forEach((name, rows) -> add(c, name, rows.stream().mapToDouble(ShiftEvaluation.Row::severity).toArray(),
                rows.stream().mapToDouble(ShiftEvaluation.Row::error).toArray()));
        return c;
    }

    private static XYChart deeCurve(List<Comparison.Row> rows) {
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
            return "<img alt=\"" + esc(c.getTitle()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png) + "\">\n";
        } catch (IOException e) {
            throw new UncheckedIOException("could not draw the chart '" + c.getTitle() + "'", e);
        }
    }

    private static String f4(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.4f", v);
    }

    private static String budget(double b) {
        return Double.isNaN(b) ? "-" : String.format("%.2fB", b);
    }

    private static String dee(double d) {
        return Double.isNaN(d) ? "-" : Double.isInfinite(d) ? "&gt; K" : String.format("%.2f", d);
    }

    private static String cost(double v, String fmt) {
        return Double.isNaN(v) ? "-" : String.format(fmt, v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
