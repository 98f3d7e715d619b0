package io.ensembles.report;

import io.ensembles.metrics.DeepEnsembleEquivalent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several evaluated ensembles side by side, with the deep-ensemble equivalent (DEE) of every
 * ensemble size against the deep ensemble among them. Calibrated log-likelihoods are the means
 * over random member orders where the report has them (Ashukha et al.'s CLL^mean), else the
 * manifest order.
 */
public final class Comparison {
    /** One ensemble of the comparison: its name (folder), method and evaluation. */
    public record Entry(String name, String method, EvaluationReport report) {}

    /**
     * One line: an ensemble at one size. {@code dee} is NaN without a deep ensemble to compare to.
     * The costs are the whole ensemble's (NaN when its evaluation did not record them), and the
     * shift error the whole ensemble's mean over every corruption and severity (NaN without
     * {@code --shift}): both are the same on every size of one ensemble.
     */
    public record Row(String ensemble, String method, int size, double budget, double error, double nll,
                      double calibratedNll, double ece, double oodAurocEntropy, double dee, double parameters,
                      double trainingSeconds, double inferenceSecondsPer1000, double shiftError) {}

    private Comparison() {}

    /** The rows the CLL curve of a report is read from: random-order means if present. */
    static List<EvaluationReport.Row> curve(EvaluationReport r) {
        List<EvaluationReport.Row> random = r.rows().stream()
                .filter(x -> x.kind().equals("ensemble-random-order")).toList();
        return random.isEmpty() ? r.rows().stream().filter(x -> x.kind().equals("ensemble")).toList() : random;
    }

    public static List<Row> compute(List<Entry> entries) {
        double[] deepCll = null;
        for (Entry e : entries) {
            if (io.ensembles.config.Method.DEEP.is(e.method())) {
                deepCll = curve(e.report()).stream().mapToDouble(x -> -x.calibratedNll()).toArray();
                break;
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Entry e : entries) {
            List<EvaluationReport.Row> ordered = e.report().rows().stream()
                    .filter(x -> x.kind().equals("ensemble")).toList();
            List<EvaluationReport.Row> mean = curve(e.report());
            for (EvaluationReport.Row r : ordered) {
                double cll = -mean.get(r.size() - 1).calibratedNll();
                double dee = deepCll == null ? Double.NaN : DeepEnsembleEquivalent.of(cll, deepCll);
                double auroc = e.report().ood().stream()
                        .filter(o -> o.size() == r.size() && o.score().equals("entropy"))
                        .mapToDouble(OodEvaluation.Row::auroc).findFirst().orElse(Double.NaN);
                EvaluationReport.Cost cost = e.report().cost() != null ? e.report().cost()
                        : new EvaluationReport.Cost(null, null, null);
                double shift = e.report().shift().stream().mapToDouble(ShiftEvaluation.Row::error).average()
                        .orElse(Double.NaN);
                rows.add(new Row(e.name(), e.method(), r.size(), r.budget(), r.error(), r.nll(), r.calibratedNll(),
                        r.ece(), auroc, dee, number(cost.parameters()), number(cost.trainingWallSeconds()),
                        number(cost.inferenceSecondsPer1000()), shift));
            }
        }
        return rows;
    }

    private static String fmt(double v, String f) {
        return Double.isNaN(v) ? "-" : String.format(f, v);
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The console table: every ensemble at size 1, 5 and its largest size, then each ensemble's cost. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-20s %-12s %4s %7s %8s %8s %8s %8s %9s %7s%n";
        sb.append(String.format(fmt, "ensemble", "method", "size", "budget", "error", "NLL", "cal NLL", "ECE",
                "OOD AUROC", "DEE"));
        Map<String, Integer> largest = new LinkedHashMap<>();
        for (Row r : rows) largest.merge(r.ensemble(), r.size(), Math::max);
        for (Row r : rows) {
            if (r.size() != 1 && r.size() != 5 && r.size() != largest.get(r.ensemble())) continue;
            sb.append(String.format("%-20s %-12s %4d %7s %8.4f %8.4f %8.4f %8.4f %9s %7s%n", r.ensemble(), r.method(),
                    r.size(), Double.isNaN(r.budget()) ? "-" : String.format("%.2fB", r.budget()), r.error(), r.nll(),
                    r.calibratedNll(), r.ece(), Double.isNaN(r.oodAurocEntropy()) ? "-"
                            : String.format("%.4f", r.oodAurocEntropy()),
                    Double.isNaN(r.dee()) ? "-" : Double.isInfinite(r.dee()) ? "> K" : String.format("%.2f", r.dee())));
        }
        sb.append(String.format("%n%-20s %12s %12s %16s %12s%n", "ensemble", "parameters", "training s",
                "inference s/1000", "shift error"));
        for (Map.Entry<String, Integer> e : largest.entrySet()) {
            Row r = rows.stream().filter(x -> x.ensemble().equals(e.getKey()) && x.size() == e.getValue())
                    .findFirst().orElseThrow();
            sb.append(String.format("%-20s %12s %12s %16s %12s%n", r.ensemble(), fmt(r.parameters(), "%,.0f"),
                    fmt(r.trainingSeconds(), "%.1f"), fmt(r.inferenceSecondsPer1000(), "%.3f"),
                    fmt(r.shiftError(), "%.4f")));
        }
        return sb.toString();
    }
}
