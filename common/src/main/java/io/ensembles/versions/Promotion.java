package io.ensembles.versions;

import io.ensembles.report.EvaluationReport;

/**
 * The promotion rule of scheduled retraining: the new version replaces the current one when its
 * ensemble (all members, averaged probabilities) is not worse on the configured metric, measured on
 * the same held-out data: {@code new <= current + tolerance}. Every metric offered is lower-is-better.
 */
public final class Promotion {
    private Promotion() {}

    /** The decision and a sentence saying why, for the log and the retrain record. */
    public record Decision(boolean promote, String reason) {}

    /** The named metric of a report's full ensemble. */
    public static double metricOf(EvaluationReport report, String metric) {
        EvaluationReport.Row row = report.fullEnsemble();
        return switch (metric) {
            case "error" -> row.error();
            case "nll" -> row.nll();
            case "calibrated-nll" -> row.calibratedNll();
            case "ece" -> row.ece();
            case "brier" -> row.brier();
            default -> throw new IllegalArgumentException("unknown retrain.metric: " + metric);
        };
    }

    public static Decision decide(String metric, double candidate, double current, double tolerance) {
        String figures = String.format("%s %.5f (new) vs %.5f (current), tolerance %s", metric, candidate, current,
                tolerance);
        if (Double.isNaN(candidate)) return new Decision(false, "the new version's " + metric + " is undefined; " + figures);
        if (Double.isNaN(current)) return new Decision(true, "the current version's " + metric + " is undefined; " + figures);
        return candidate <= current + tolerance
                ? new Decision(true, "not worse: " + figures)
                : new Decision(false, "worse: " + figures);
    }
}
