package io.ensembles.report;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * The evaluation as one self-contained HTML page (charts drawn with XChart, embedded as PNG):
 * the headline table with costs, every metric against the ensemble size and against the training
 * budget (the curves of Huang et al.'s and Ashukha et al.'s figures), reliability diagrams, OOD
 * score histograms, error and NLL against corruption severity, and the DEE table. Works for one
 * ensemble or several side by side.
 */
public final class HtmlReport {
    private HtmlReport() {}

    /** The page for {@code entries} (evaluated ensembles) with their side-by-side rows, stamped with the current time. */
    public static String render(String title, List<Comparison.Entry> entries, List<Comparison.Row> comparison) {
        return render(title, entries, comparison, null, ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    }

    /**
     * The page, with the loss-landscape part of {@code landscape} (null = none) at its end, stamped with
     * {@code generated}: a page rendered again from the same files is the same page.
     */
    public static String render(String title, List<Comparison.Entry> entries, List<Comparison.Row> comparison,
                                LandscapeLink landscape, String generated) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
                        + "img{margin:4px;border:1px solid #eee}.note{color:#555;max-width:900px}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"note\">Generated ").append(esc(generated))
                .append(". Ensemble rows average the members' probabilities; curves against size are averaged over "
                        + "random member orders where the evaluation has them. Calibrated NLL: temperature scaling "
                        + "fitted by test-time cross-validation. DEE: the deep-ensemble size with the same calibrated "
                        + "log-likelihood.</p>\n");
        inputs(h, entries);
        leftOut(h, entries);
        headline(h, entries, comparison);
        curves(h, entries);
        ood(h, entries);
        shift(h, entries);
        dee(h, comparison);
        if (landscape != null) h.append(landscape.html());
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void curves(StringBuilder h, List<Comparison.Entry> entries) {
        h.append("<h2>Metrics against ensemble size</h2>\n");
        for (ReportCharts.Metric m : ReportCharts.METRICS) h.append(ReportCharts.img(ReportCharts.sizeCurve(entries, m)));
        h.append("<h2>Metrics against training budget</h2>\n<p class=\"note\">The same ensembles with the "
                + "training each size cost (members in manifest order), in units of B, the epochs of one ordinary "
                + "model: methods compared at equal cost.</p>\n");
        h.append(ReportCharts.img(ReportCharts.budgetCurve(entries, ReportCharts.METRICS.get(0))))
                .append(ReportCharts.img(ReportCharts.budgetCurve(entries, ReportCharts.METRICS.get(2))));
        h.append("<h2>Reliability diagrams</h2>\n<p class=\"note\">Accuracy against mean confidence per "
                + "confidence bin (the bins of ECE); on the diagonal a model is calibrated, below it overconfident.</p>\n");
        for (Comparison.Entry e : entries) {
            if (!e.report().reliability().isEmpty()) h.append(ReportCharts.img(ReportCharts.reliability(e)));
        }
    }

    private static void ood(StringBuilder h, List<Comparison.Entry> entries) {
        if (entries.stream().allMatch(e -> e.report().oodHistograms().isEmpty())) return;
        h.append("<h2>Out-of-distribution scores</h2>\n<p class=\"note\">Share of the in-distribution "
                + "(test) and out-of-distribution examples per value of the whole ensemble's predictive entropy "
                + "and mutual information: the less the two overlap, the better the score detects OOD inputs.</p>\n");
        for (Comparison.Entry e : entries) {
            for (String score : List.of("entropy", "mutual-information")) {
                XYChart c = ReportCharts.histogram(e, score);
                if (c != null) h.append(ReportCharts.img(c));
            }
        }
        oodTable(h, entries);
    }

    private static void shift(StringBuilder h, List<Comparison.Entry> entries) {
        if (entries.stream().allMatch(e -> e.report().shift().isEmpty())) return;
        h.append("<h2>Distribution shift</h2>\n<p class=\"note\">The test set under corruptions generated in "
                + "code at severities 1-5 (0 = clean).</p>\n");
        h.append(ReportCharts.img(ReportCharts.shiftMean(entries, "error", ShiftEvaluation.Row::error)));
        h.append(ReportCharts.img(ReportCharts.shiftMean(entries, "NLL", ShiftEvaluation.Row::nll)));
        for (Comparison.Entry e : entries) {
            if (!e.report().shift().isEmpty()) h.append(ReportCharts.img(ReportCharts.shiftByCorruption(e)));
        }
    }

    private static void dee(StringBuilder h, List<Comparison.Row> comparison) {
        if (comparison.stream().allMatch(r -> Double.isNaN(r.dee()))) return;
        h.append("<h2>Deep-ensemble equivalent</h2>\n");
        h.append(ReportCharts.img(ReportCharts.deeCurve(comparison)));
        h.append("<table><tr><th class=\"l\">ensemble</th><th>size</th><th>budget</th><th>cal NLL</th>"
                + "<th>DEE</th></tr>\n");
        for (Comparison.Row r : comparison) {
            h.append("<tr><td class=\"l\">").append(esc(r.ensemble())).append("</td><td>").append(r.size())
                    .append("</td><td>").append(budget(r.budget())).append("</td><td>")
                    .append(f4(r.calibratedNll())).append("</td><td>").append(dee(r.dee())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }



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
