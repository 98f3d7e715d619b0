package io.ensembles.report;

import io.ensembles.data.Corruptions;
import io.ensembles.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ensemble (all members) and its mean member on the test set under every corruption of
 * {@link Corruptions} at severities 1..5: error, NLL and ECE.
 */
public final class ShiftEvaluation {
    public record Row(String corruption, int severity, double error, double nll, double ece, double meanMemberError,
                      double meanMemberNll) {}

    private ShiftEvaluation() {}

    /** The key under which a member's predictions on one corrupted test set travel. */
    public static String key(String corruption, int severity) {
        return corruption + ":" + severity;
    }

    /** @param members each member's predictions, by {@link #key} */
    public static List<Row> compute(List<Map<String, float[]>> members, int[] labels, int classes, int eceBins) {
        List<Row> rows = new ArrayList<>();
        for (String name : Corruptions.NAMES) {
            for (int sev = 1; sev <= 5; sev++) {
                String k = key(name, sev);
                List<float[]> each = members.stream().map(m -> m.get(k)).toList();
                float[] avg = ClassificationMetrics.average(each);
                double mErr = each.stream().mapToDouble(p -> ClassificationMetrics.error(p, labels, classes)).average()
                        .orElse(Double.NaN);
                double mNll = each.stream().mapToDouble(p -> ClassificationMetrics.nll(p, labels, classes)).average()
                        .orElse(Double.NaN);
                rows.add(new Row(name, sev, ClassificationMetrics.error(avg, labels, classes),
                        ClassificationMetrics.nll(avg, labels, classes),
                        ClassificationMetrics.ece(avg, labels, classes, eceBins), mErr, mNll));
            }
        }
        return rows;
    }

    /** Ensemble error % / NLL per corruption, severities 1..5 left to right. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format(
                "Distribution shift (ensemble error %% / NLL at severity 1..5)%n"));
        for (String name : Corruptions.NAMES) {
            sb.append(String.format("%-15s", name));
            for (Row r : rows) {
                if (r.corruption().equals(name)) sb.append(String.format(" %6.2f/%.3f", 100 * r.error(), r.nll()));
            }
            sb.append(String.format("%n"));
        }
        return sb.toString();
    }
}
