package io.ensembles.report;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.Diversity;
import io.ensembles.metrics.TemperatureScaling;
import java.util.List;

/**
 * The evaluation of one ensemble on one test set: every member alone, the mean of the members,
 * and the ensemble (mean of the members' probabilities) at every size 1..K in manifest order.
 * Rows are (model, size, metric values), the shape {@code metrics.json} keeps.
 */
public final class EvaluationReport {
    /**
     * One line of the table. {@code kind} is member, mean-member or ensemble; {@code budget} is the
     * training the row's model cost, in units of B (NaN when unknown). Calibrated NLL and its
     * temperature come from test-time cross-validation; disagreement (also divided by the error)
     * and KL are the mean over pairs of the row's members (0 for one member).
     */
    public record Row(String model, String kind, int size, double budget, double accuracy, double error, double nll,
                      double ece, double adaptiveEce, double brier, double calibratedNll, double temperature,
                      double disagreement, double disagreementOverError, double kl) {}

    /** Repeats of the half-split calibration, and the seed of its splits. */
    public static final int CALIBRATION_REPEATS = 5;
    public static final long CALIBRATION_SEED = 20200101L;
    /** The seed of the random member orders. */
    public static final long ORDER_SEED = 20240607L;

    private final String ensemble;
    private final int examples;
    private final List<Row> rows;
    private List<OodEvaluation.Row> ood = List.of();
    private List<ShiftEvaluation.Row> shift = List.of();
    private Cost cost;
    private List<Reliability> reliability = List.of();
    private List<OodEvaluation.Histogram> oodHistograms = List.of();
    private List<LeftOut> leftOut = List.of();

    /**
     * A member of the manifest that the evaluation did not use: {@code status} is its record's
     * (failed, collapsed) or "unverified" (--skip-bad-members), {@code reason} says why.
     */
    public record LeftOut(String id, String status, String reason) {}

    /** A reliability diagram of one model of the report (its first member, the whole ensemble). */
    public record Reliability(String model, List<io.ensembles.metrics.ReliabilityBin> bins) {}

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
        return compute(ensemble, memberIds, memberProbs, epochsSpent, baseEpochs, labels, classes, eceBins, 0);
    }

    /**
     * As above, plus, for every size k, the metrics of the first k members of {@code randomOrders}
     * seeded random orders of the members, averaged (kind {@code ensemble-random-order}): the
     * ensemble-size curve that does not depend on which members happen to come first. Computed
     * here, in one process, from whole arrays of probabilities: the reference the distributed
     * evaluation is checked against.
     */
    public static EvaluationReport compute(String ensemble, List<String> memberIds, List<float[]> memberProbs,
                                           double[] epochsSpent, double baseEpochs, int[] labels, int classes,
                                           int eceBins, int randomOrders) {
        EvaluationReport report = assemble(ensemble, memberIds, epochsSpent, baseEpochs, labels.length, randomOrders,
                subset -> row(java.util.Arrays.stream(subset).mapToObj(memberProbs::get).toList(), labels, classes,
                        eceBins));
        return report.withReliability(List.of(
                new Reliability(memberIds.get(0), ClassificationMetrics.reliability(memberProbs.get(0), labels, classes,
                        eceBins)),
                new Reliability(reliabilityName(memberIds.size()), ClassificationMetrics.reliability(
                        ClassificationMetrics.average(memberProbs), labels, classes, eceBins))));
    }

    /** The name of the whole ensemble's reliability diagram. */
    public static String reliabilityName(int k) {
        return "ensemble of " + k;
    }

    /** The metrics of the ensemble that averages a set of members (model, kind and budget unset). */
    @FunctionalInterface
    public interface SubsetMetrics {
        /** @param members sorted member indices */
        Row of(int[] members);
    }

    /** Every set of members whose ensemble a report of K members with {@code randomOrders} orders shows, once each. */
    public static List<int[]> subsets(int k, int randomOrders) {
        return ReportRows.subsets(k, randomOrders);
    }

    /**
     * The report's rows from the metrics of each set of members: every member, the mean member,
     * the ensemble of the first k members in manifest order, and the random-order means.
     */
    public static EvaluationReport assemble(String ensemble, List<String> memberIds, double[] epochsSpent,
                                            double baseEpochs, int examples, int randomOrders, SubsetMetrics metrics) {
        return new EvaluationReport(ensemble, examples, ReportRows.rows(memberIds, epochsSpent, baseEpochs,
                randomOrders, metrics));
    }

    /** A row of measured metrics (model, kind and budget are set by {@link #assemble}). */
    public static Row measured(int size, double accuracy, double nll, double ece, double adaptiveEce, double brier,
                               TemperatureScaling.Calibrated cal, double disagreement, double kl) {
        return new Row(null, null, size, Double.NaN, accuracy, 1 - accuracy, nll, ece, adaptiveEce, brier, cal.nll(),
                cal.temperature(), disagreement, accuracy < 1 ? disagreement / (1 - accuracy) : Double.NaN, kl);
    }

    /** The metrics of the average of {@code of}, from whole arrays. */
    private static Row row(List<float[]> of, int[] labels, int classes, int bins) {
        float[] p = of.size() == 1 ? of.get(0) : ClassificationMetrics.average(of);
        double acc = ClassificationMetrics.accuracy(p, labels, classes);
        TemperatureScaling.Calibrated cal = labels.length >= 2
                ? TemperatureScaling.crossValidated(p, labels, classes, CALIBRATION_REPEATS, CALIBRATION_SEED)
                : new TemperatureScaling.Calibrated(Double.NaN, 1 - acc, Double.NaN);
        return measured(of.size(), acc, ClassificationMetrics.nll(p, labels, classes),
                ClassificationMetrics.ece(p, labels, classes, bins),
                ClassificationMetrics.adaptiveEce(p, labels, classes, bins),
                ClassificationMetrics.brier(p, labels, classes), cal, Diversity.meanDisagreement(of, classes),
                Diversity.meanKl(of, classes));
    }

    public List<Row> rows() { return rows; }

    /** OOD detection results, empty when the evaluation had no OOD set. */
    public List<OodEvaluation.Row> ood() { return ood; }

    /** Distribution-shift results, empty when the evaluation had none. */
    public List<ShiftEvaluation.Row> shift() { return shift; }

    public EvaluationReport withShift(List<ShiftEvaluation.Row> shiftRows) {
        this.shift = List.copyOf(shiftRows);
        return this;
    }

    /** Reliability diagrams: the first member's and the whole ensemble's. */
    public List<Reliability> reliability() { return reliability; }

    public EvaluationReport withReliability(List<Reliability> diagrams) {
        this.reliability = List.copyOf(diagrams);
        return this;
    }

    /** Histograms of the OOD scores of the whole ensemble, empty without an OOD set. */
    public List<OodEvaluation.Histogram> oodHistograms() { return oodHistograms; }

    public EvaluationReport withOodHistograms(List<OodEvaluation.Histogram> histograms) {
        this.oodHistograms = List.copyOf(histograms);
        return this;
    }

    /** The ensemble's name. */
    public String ensemble() { return ensemble; }

    /** The members left out of every row, with their reasons. */
    public List<LeftOut> leftOut() { return leftOut; }

    public EvaluationReport withLeftOut(List<LeftOut> members) {
        this.leftOut = List.copyOf(members);
        return this;
    }

    /** What the models read: the example shape and the class names (null when not known). */
    public record Input(String shape, List<String> classNames) {}

    private Input input;

    public Input input() { return input; }

    public EvaluationReport withInput(Input in) {
        this.input = in;
        return this;
    }

    /**
     * The whole ensemble's cost: its parameters (each model file once), the training run's wall time,
     * and the inference time of all its predictors per 1000 test examples; a figure not recorded is null.
     */
    public record Cost(Long parameters, Double trainingWallSeconds, Double inferenceSecondsPer1000) {}

    /** The ensemble's cost, or null when the evaluation did not record it. */
    public Cost cost() { return cost; }

    public EvaluationReport withCost(Cost c) {
        this.cost = c;
        return this;
    }

    public EvaluationReport withOod(List<OodEvaluation.Row> oodRows) {
        this.ood = List.copyOf(oodRows);
        return this;
    }

    public Row ensembleOfSize(int size) {
        return rows.stream().filter(r -> r.kind().equals("ensemble") && r.size() == size).findFirst().orElseThrow();
    }

    /** The ensemble of all evaluated members (the largest size). */
    public Row fullEnsemble() {
        return rows.stream().filter(r -> r.kind().equals("ensemble")).max(java.util.Comparator.comparingInt(Row::size))
                .orElseThrow();
    }

    public Row meanMember() {
        return rows.stream().filter(r -> r.kind().equals("mean-member")).findFirst().orElseThrow();
    }

    /** The console table: each member, the mean member, and the full ensemble (plus sizes in between when K > 2). */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Ensemble %s on %d test examples%n", ensemble, examples));
        for (LeftOut l : leftOut) {
            sb.append(String.format("left out: %s (%s) %s%n", l.id(), l.status(), l.reason() == null ? "" : l.reason()));
        }
        String fmt = "%-14s %5s %7s %9s %8s %8s %8s %8s %8s %8s%n";
        sb.append(String.format(fmt, "model", "size", "budget", "accuracy", "error", "NLL", "cal NLL", "ECE", "Brier",
                "disagree"));
        for (Row r : rows) {
            if (r.kind().equals("ensemble-random-order")) continue; // in metrics.json; the console stays compact
            String name = r.kind().equals("ensemble") ? "ensemble" : r.model();
            String budget = Double.isNaN(r.budget()) ? "-" : String.format("%.2fB", r.budget());
            sb.append(String.format("%-14s %5d %7s %9.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f%n", name, r.size(), budget,
                    r.accuracy(), r.error(), r.nll(), r.calibratedNll(), r.ece(), r.brier(), r.disagreement()));
        }
        if (!ood.isEmpty()) {
            sb.append(String.format("%nOOD detection (AUROC; test set = in-distribution)%n"));
            sb.append(String.format("%5s %16s %10s %20s%n", "size", "max-probability", "entropy", "mutual-information"));
            int k = ood.stream().mapToInt(OodEvaluation.Row::size).max().orElse(0);
            for (int size = 1; size <= k; size++) {
                final int s0 = size;
                java.util.function.Function<String, String> au = score -> ood.stream()
                        .filter(o -> o.size() == s0 && o.score().equals(score)).findFirst()
                        .map(o -> String.format("%.4f", o.auroc())).orElse("-");
                sb.append(String.format("%5d %16s %10s %20s%n", size, au.apply("max-probability"), au.apply("entropy"),
                        au.apply("mutual-information")));
            }
        }
        if (!shift.isEmpty()) sb.append(String.format("%n")).append(ShiftEvaluation.table(shift));
        return sb.toString();
    }

    /** The number of test examples the report was measured on. */
    public int examples() { return examples; }

    /** A report read back from its rows ({@link MetricsFile}); the other parts are added with the {@code with} methods. */
    static EvaluationReport restored(String ensemble, int examples, List<Row> rows) {
        return new EvaluationReport(ensemble, examples, List.copyOf(rows));
    }
}
