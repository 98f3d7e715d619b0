package io.ensembles.report;

import io.ensembles.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation of one ensemble on one test set: every member alone, the mean of the members,
 * and the ensemble (mean of the members' probabilities) at every size 1..K in manifest order.
 * Rows are (model, size, metric values), the shape {@code metrics.json} keeps.
 */
public final class EvaluationReport {
    /**
     * One line of the table. {@code kind} is member, mean-member or ensemble; {@code budget} is the
     * training the row's model cost, in units of B (NaN when unknown).
     */
    public record Row(String model, String kind, int size, double budget, double accuracy, double error, double nll,
                      double ece) {}

    private final String ensemble;
    private final int examples;
    private final List<Row> rows;

    private EvaluationReport(String ensemble, int examples, List<Row> rows) {
        this.ensemble = ensemble;
        this.examples = examples;
        this.rows = rows;
    }

    public static EvaluationReport compute(String ensemble, List<String> memberIds, List<float[]> memberProbs,
                                           int[] labels, int classes, int eceBins) {
        double[] none = new double[memberIds.size()];
        java.util.Arrays.fill(none, Double.NaN);
        return compute(ensemble, memberIds, memberProbs, none, 1, labels, classes, eceBins);
    }

    /**
     * @param epochsSpent what each member added to the training cost, in epochs (its record's
     *                    {@code epochsSpent}); the ensemble of the first k members cost their sum
     * @param baseEpochs  B, to express costs as budgets
     */
    public static EvaluationReport compute(String ensemble, List<String> memberIds, List<float[]> memberProbs,
                                           double[] epochsSpent, double baseEpochs, int[] labels, int classes,
                                           int eceBins) {
        List<Row> rows = new ArrayList<>();
        double[] sums = new double[4];
        for (int k = 0; k < memberIds.size(); k++) {
            Row r = row(memberIds.get(k), "member", 1, epochsSpent[k] / baseEpochs, memberProbs.get(k), labels,
                    classes, eceBins);
            rows.add(r);
            sums[0] += r.accuracy();
            sums[1] += r.error();
            sums[2] += r.nll();
            sums[3] += r.ece();
        }
        int k = memberIds.size();
        rows.add(new Row("mean member", "mean-member", 1, Double.NaN, sums[0] / k, sums[1] / k, sums[2] / k,
                sums[3] / k));
        double spent = 0;
        for (int size = 1; size <= k; size++) {
            spent += epochsSpent[size - 1];
            float[] avg = ClassificationMetrics.average(memberProbs.subList(0, size));
            rows.add(row("ensemble", "ensemble", size, spent / baseEpochs, avg, labels, classes, eceBins));
        }
        return new EvaluationReport(ensemble, labels.length, rows);
    }

    private static Row row(String model, String kind, int size, double budget, float[] p, int[] labels, int classes,
                           int bins) {
        double acc = ClassificationMetrics.accuracy(p, labels, classes);
        return new Row(model, kind, size, budget, acc, 1 - acc, ClassificationMetrics.nll(p, labels, classes),
                ClassificationMetrics.ece(p, labels, classes, bins));
    }

    public List<Row> rows() { return rows; }

    public Row ensembleOfSize(int size) {
        return rows.stream().filter(r -> r.kind().equals("ensemble") && r.size() == size).findFirst().orElseThrow();
    }

    public Row meanMember() {
        return rows.stream().filter(r -> r.kind().equals("mean-member")).findFirst().orElseThrow();
    }

    /** The console table: each member, the mean member, and the full ensemble (plus sizes in between when K > 2). */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Ensemble %s on %d test examples%n", ensemble, examples));
        String fmt = "%-14s %5s %7s %9s %8s %8s %8s%n";
        sb.append(String.format(fmt, "model", "size", "budget", "accuracy", "error", "NLL", "ECE"));
        for (Row r : rows) {
            String name = r.kind().equals("ensemble") ? "ensemble" : r.model();
            String budget = Double.isNaN(r.budget()) ? "-" : String.format("%.2fB", r.budget());
            sb.append(String.format("%-14s %5d %7s %9.4f %8.4f %8.4f %8.4f%n", name, r.size(), budget, r.accuracy(),
                    r.error(), r.nll(), r.ece()));
        }
        return sb.toString();
    }

    public Map<String, Object> toJson(Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ensemble", ensemble);
        m.put("testExamples", examples);
        m.putAll(extra);
        m.put("rows", rows);
        return m;
    }
}
