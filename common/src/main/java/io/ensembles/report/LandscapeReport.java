package io.ensembles.report;

import io.ensembles.landscape.Interpolation;
import io.ensembles.landscape.LandscapeResult;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The loss-landscape page: the two similarity matrices as heat maps (coloured tables, checkpoints
 * grouped by trajectory), the ensemble-size curves and the interpolation lines (XChart).
 */
public final class LandscapeReport {
    private LandscapeReport() {}

    public static String render(String title, LandscapeResult r) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(HtmlReport.esc(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{padding:3px 6px;font-size:12px;text-align:right}th{background:#eee}</style></head><body>\n");
        h.append("<h1>").append(HtmlReport.esc(title)).append("</h1>\n");
        h.append("<p>").append(r.checkpoints().size()).append(" checkpoints, ").append(r.points())
                .append(" test points. Checkpoints of one trajectory (one training run) stay close in weight space; "
                        + "independently initialised members land in different modes (Fort, Hu and "
                        + "Lakshminarayanan, <i>Deep Ensembles: A Loss Landscape Perspective</i>).</p>\n");
        h.append("<h2>Weight space: cosine similarity of the parameters</h2>\n");
        heat(h, r, r.cosine(), -1, 1);
        h.append("<h2>Function space: disagreement of the predictions</h2>\n");
        heat(h, r, r.disagreement(), 0, max(r.disagreement()));
        h.append("<h2>Disagreement divided by the row checkpoint's error</h2>\n");
        double[][] over = new double[r.error().length][];
        for (int i = 0; i < over.length; i++) {
            over[i] = new double[r.error().length];
            for (int j = 0; j < over.length; j++) {
                over[i][j] = r.error()[i] > 0 ? r.disagreement()[i][j] / r.error()[i] : Double.NaN;
            }
        }
        heat(h, r, over, 0, max(over));
        if (r.embedding() != null) {
            h.append("<h2>Function space: t-SNE map of the checkpoints' predictions</h2>\n<p>Each checkpoint is "
                    + "the vector of its probabilities on the ").append(r.points()).append(" test points; t-SNE "
                    + "(perplexity ").append(String.format("%.1f", r.embedding().perplexity())).append(") places "
                    + "checkpoints that predict alike close together. One path per trajectory, from its first "
                    + "checkpoint to its last; a member without kept epochs is a single point.</p>\n")
                    .append(ReportCharts.img(map(r)));
        }
        if (!r.sizeCurves().isEmpty()) {
            XYChart nll = ReportCharts.chart("Ensemble NLL against size", "ensemble size", "NLL");
            XYChart acc = ReportCharts.chart("Ensemble accuracy against size", "ensemble size", "accuracy");
            legendBelow(nll, acc);
            for (LandscapeResult.SizeCurve c : r.sizeCurves()) {
                double[] k = new double[c.nll().length];
                for (int i = 0; i < k.length; i++) k[i] = i + 1;
                ReportCharts.add(nll, c.name(), k, c.nll());
                ReportCharts.add(acc, c.name(), k, c.accuracy());
            }
            h.append("<h2>Ensembles of independent members against snapshots of one run</h2>\n")
                    .append(ReportCharts.img(nll)).append(ReportCharts.img(acc));
        }
        if (!r.lines().isEmpty()) {
            XYChart loss = ReportCharts.chart("NLL along the line between two solutions", "lambda", "NLL");
            XYChart acc = ReportCharts.chart("Accuracy along the line between two solutions", "lambda", "accuracy");
            legendBelow(loss, acc);
            for (LandscapeResult.Line l : r.lines()) {
                List<Interpolation.Point> p = l.points();
                double[] x = p.stream().mapToDouble(Interpolation.Point::lambda).toArray();
                ReportCharts.add(loss, l.name(), x, p.stream().mapToDouble(Interpolation.Point::nll).toArray());
                ReportCharts.add(acc, l.name(), x, p.stream().mapToDouble(Interpolation.Point::accuracy).toArray());
            }
            h.append("<h2>Interpolation: the barrier between modes</h2>\n").append(ReportCharts.img(loss))
                    .append(ReportCharts.img(acc));
        }
        return h.append("</body></html>\n").toString();
    }

    /** One series per trajectory, its checkpoints joined in order. */
    private static XYChart map(LandscapeResult r) {
        XYChart c = ReportCharts.chart("Checkpoints in function space (t-SNE)", "t-SNE 1", "t-SNE 2");
        java.util.Map<String, List<Integer>> byTrajectory = new java.util.LinkedHashMap<>();
        for (int i = 0; i < r.trajectories().size(); i++) {
            byTrajectory.computeIfAbsent(r.trajectories().get(i), k -> new java.util.ArrayList<>()).add(i);
        }
        double[][] xy = r.embedding().xy();
        for (var t : byTrajectory.entrySet()) {
            double[] x = t.getValue().stream().mapToDouble(i -> xy[i][0]).toArray();
            double[] y = t.getValue().stream().mapToDouble(i -> xy[i][1]).toArray();
            ReportCharts.add(c, t.getKey(), x, y);
        }
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        return c;
    }

    /** The series names are long and the curves fill the plot: an inside legend would hide some of them. */
    private static void legendBelow(XYChart... charts) {
        for (XYChart c : charts) c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    }

    private static double max(double[][] m) {
        double x = 0;
        for (double[] row : m) for (double v : row) if (!Double.isNaN(v)) x = Math.max(x, v);
        return x > 0 ? x : 1;
    }

    /** A matrix as a table whose cells are shaded from white (lo) to dark blue (hi). */
    private static void heat(StringBuilder h, LandscapeResult r, double[][] m, double lo, double hi) {
        h.append("<table><tr><th></th>");
        for (String c : r.checkpoints()) h.append("<th>").append(HtmlReport.esc(c)).append("</th>");
        h.append("</tr>\n");
        for (int i = 0; i < m.length; i++) {
            h.append("<tr><th title=\"").append(HtmlReport.esc(r.trajectories().get(i))).append("\">")
                    .append(HtmlReport.esc(r.checkpoints().get(i))).append("</th>");
            for (int j = 0; j < m.length; j++) {
                double v = m[i][j];
                double t = Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
                int shade = (int) Math.round(255 - 200 * t);
                h.append(String.format("<td style=\"background:rgb(%d,%d,255);color:%s\">%s</td>", shade, shade,
                        t > 0.6 ? "white" : "black", Double.isNaN(v) ? "-" : String.format("%.3f", v)));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }
}
