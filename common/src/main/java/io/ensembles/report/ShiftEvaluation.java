package io.ensembles.report;

import io.ensembles.data.Corruptions;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.EnsembleStatistics;
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
     * test set under every corruption) and merged: nothing of the shifted predictions is kept. One
     * {@link EnsembleStatistics} per corrupted set, over the whole ensemble and each member alone.
     */
    public static final class Sums implements java.io.Serializable {
        private final int members;
        private final EnsembleStatistics[] sets = new EnsembleStatistics[Corruptions.NAMES.size() * 5];

        public Sums(int classes, int bins, int members) {
            this.members = members;
            int[][] subsets = new int[members + 1][];
            subsets[0] = java.util.stream.IntStream.range(0, members).toArray();
            for (int m = 0; m < members; m++) subsets[m + 1] = new int[] {m};
            for (int s = 0; s < sets.length; s++) sets[s] = new EnsembleStatistics(classes, bins, members, subsets, true, null);
        }

        private static int index(String corruption, int severity) {
            int c = Corruptions.NAMES.indexOf(corruption);
            if (c < 0 || severity < 1 || severity > 5) throw new IllegalArgumentException(key(corruption, severity));
            return c * 5 + severity - 1;
        }

        /** Adds the members' probabilities ({@code probs[m][i * classes ..]}) on a block under one corruption. */
        public Sums add(String corruption, int severity, int[] labels, float[][] probs) {
            sets[index(corruption, severity)].addBlock(0, labels, probs);
            return this;
        }

        public Sums merge(Sums o) {
            for (int s = 0; s < sets.length; s++) sets[s].merge(o.sets[s]);
            return this;
        }

        public List<Row> rows() {
            List<Row> rows = new ArrayList<>();
            for (String name : Corruptions.NAMES) {
                for (int sev = 1; sev <= 5; sev++) {
                    EnsembleStatistics st = sets[index(name, sev)];
                    double mErr = 0;
                    double mNll = 0;
                    for (int m = 1; m <= members; m++) {
                        mErr += (1 - st.accuracy(m)) / members;
                        mNll += st.nll(m) / members;
                    }
                    rows.add(new Row(name, sev, 1 - st.accuracy(0), st.nll(0), st.ece(0), mErr, mNll));
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
