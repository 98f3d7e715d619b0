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

    /**
     * The same results as {@link #compute}, as sums filled block by block (a partition of the
     * test set under every corruption) and merged: nothing of the shifted predictions is kept.
     */
    public static final class Sums implements java.io.Serializable {
        private final int classes;
        private final int bins;
        private final int members;
        private final int sets = Corruptions.NAMES.size() * 5;
        private final long[] n = new long[sets];
        private final long[] correct = new long[sets];
        private final double[] nll = new double[sets];
        private final long[][] binCount;
        private final long[][] binCorrect;
        private final double[][] binConfidence;
        private final long[][] memberCorrect;
        private final double[][] memberNll;

        public Sums(int classes, int bins, int members) {
            this.classes = classes;
            this.bins = bins;
            this.members = members;
            binCount = new long[sets][bins];
            binCorrect = new long[sets][bins];
            binConfidence = new double[sets][bins];
            memberCorrect = new long[sets][members];
            memberNll = new double[sets][members];
        }

        private static int index(String corruption, int severity) {
            int c = Corruptions.NAMES.indexOf(corruption);
            if (c < 0 || severity < 1 || severity > 5) throw new IllegalArgumentException(key(corruption, severity));
            return c * 5 + severity - 1;
        }

        /** Adds the members' probabilities ({@code probs[m][i * classes ..]}) on a block under one corruption. */
        public Sums add(String corruption, int severity, int[] labels, float[][] probs) {
            if (probs.length != members) throw new IllegalArgumentException(probs.length + " members, expected " + members);
            int s = index(corruption, severity);
            float[] avg = ClassificationMetrics.average(java.util.Arrays.asList(probs));
            for (int i = 0; i < labels.length; i++) {
                int y = labels[i];
                int pred = ClassificationMetrics.argmax(avg, i, classes);
                double c = avg[i * classes + pred];
                if (pred == y) correct[s]++;
                nll[s] -= Math.log(Math.max(avg[i * classes + y], ClassificationMetrics.EPS));
                int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(c * bins) - 1));
                binCount[s][b]++;
                binConfidence[s][b] += c;
                if (pred == y) binCorrect[s][b]++;
                for (int m = 0; m < members; m++) {
                    if (ClassificationMetrics.argmax(probs[m], i, classes) == y) memberCorrect[s][m]++;
                    memberNll[s][m] -= Math.log(Math.max(probs[m][i * classes + y], ClassificationMetrics.EPS));
                }
            }
            n[s] += labels.length;
            return this;
        }

        public Sums merge(Sums o) {
            for (int s = 0; s < sets; s++) {
                n[s] += o.n[s];
                correct[s] += o.correct[s];
                nll[s] += o.nll[s];
                for (int b = 0; b < bins; b++) {
                    binCount[s][b] += o.binCount[s][b];
                    binCorrect[s][b] += o.binCorrect[s][b];
                    binConfidence[s][b] += o.binConfidence[s][b];
                }
                for (int m = 0; m < members; m++) {
                    memberCorrect[s][m] += o.memberCorrect[s][m];
                    memberNll[s][m] += o.memberNll[s][m];
                }
            }
            return this;
        }

        public List<Row> rows() {
            List<Row> rows = new ArrayList<>();
            for (String name : Corruptions.NAMES) {
                for (int sev = 1; sev <= 5; sev++) {
                    int s = index(name, sev);
                    double ece = 0;
                    for (int b = 0; b < bins; b++) {
                        if (binCount[s][b] > 0) ece += Math.abs(binCorrect[s][b] - binConfidence[s][b]) / n[s];
                    }
                    double mErr = 0;
                    double mNll = 0;
                    for (int m = 0; m < members; m++) {
                        mErr += (1 - memberCorrect[s][m] / (double) n[s]) / members;
                        mNll += memberNll[s][m] / n[s] / members;
                    }
                    rows.add(new Row(name, sev, 1 - correct[s] / (double) n[s], nll[s] / n[s], ece, mErr, mNll));
                }
            }
            return rows;
        }
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
