package io.ensembles.report;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import java.util.ArrayList;
import java.util.List;

/**
 * Out-of-distribution detection of an ensemble at every size 1..K (members in manifest order):
 * the test set is in-distribution, the OOD set out; scored by 1 - max probability, entropy and
 * mutual information of the first k members.
 */
public final class OodEvaluation {
    /** One (size, score) result. */
    public record Row(int size, String score, double auroc, double aupr, double fprAt95Tpr) {}

    public static final List<String> SCORES = List.of("max-probability", "entropy", "mutual-information");

    private OodEvaluation() {}

    public static List<Row> compute(List<float[]> test, List<float[]> ood, int classes) {
        if (test.size() != ood.size() || test.isEmpty()) {
            throw new IllegalArgumentException("need the same members' predictions on both sets");
        }
        List<Row> rows = new ArrayList<>();
        for (int size = 1; size <= test.size(); size++) {
            List<float[]> t = test.subList(0, size);
            List<float[]> o = ood.subList(0, size);
            float[] tAvg = ClassificationMetrics.average(t);
            float[] oAvg = ClassificationMetrics.average(o);
            for (String score : SCORES) {
                double[] in;
                double[] out;
                switch (score) {
                    case "max-probability" -> {
                        in = OodDetection.oneMinusMaxProbability(tAvg, classes);
                        out = OodDetection.oneMinusMaxProbability(oAvg, classes);
                    }
                    case "entropy" -> {
                        in = OodDetection.entropy(tAvg, classes);
                        out = OodDetection.entropy(oAvg, classes);
                    }
                    default -> {
                        if (size == 1) continue; // one member has no mutual information
                        in = OodDetection.mutualInformation(t, classes);
                        out = OodDetection.mutualInformation(o, classes);
                    }
                }
                OodDetection.Result r = OodDetection.evaluate(in, out);
                rows.add(new Row(size, score, r.auroc(), r.aupr(), r.fprAt95Tpr()));
            }
        }
        return rows;
    }

    /**
     * Histograms of the three scores of the whole ensemble on the in-distribution and OOD sets
     * ({@value #HISTOGRAM_BINS} equal bins from 0 to each score's maximum: 1 - 1/C for
     * 1 - max probability, ln C for entropy and mutual information), filled block by block and merged.
     */
    public static final class Histograms implements java.io.Serializable {
        public static final int HISTOGRAM_BINS = 30;
        private final int classes;
        private final long[][][] counts = new long[SCORES.size()][2][HISTOGRAM_BINS]; // [score][in=0 / ood=1][bin]

        public Histograms(int classes) {
            this.classes = classes;
        }

        /** The largest value score {@code s} can take. */
        public double max(int s) {
            return s == 0 ? 1 - 1.0 / classes : Math.log(classes);
        }

        /** Adds a block: each member's probabilities ({@code [i * classes + k]}) on examples of one set. */
        public Histograms add(List<float[]> members, boolean ood) {
            float[] avg = ClassificationMetrics.average(members);
            double[][] v = {OodDetection.oneMinusMaxProbability(avg, classes), OodDetection.entropy(avg, classes),
                    members.size() > 1 ? OodDetection.mutualInformation(members, classes) : null};
            for (int s = 0; s < v.length; s++) {
                if (v[s] == null) continue;
                for (double x : v[s]) {
                    int b = (int) Math.floor(x / max(s) * HISTOGRAM_BINS);
                    counts[s][ood ? 1 : 0][Math.max(0, Math.min(HISTOGRAM_BINS - 1, b))]++;
                }
            }
            return this;
        }

        public Histograms merge(Histograms o) {
            for (int s = 0; s < counts.length; s++) {
                for (int set = 0; set < 2; set++) {
                    for (int b = 0; b < HISTOGRAM_BINS; b++) counts[s][set][b] += o.counts[s][set][b];
                }
            }
            return this;
        }

        /** The histograms as rows: score, set, the bins' lower edges and their shares of the set. */
        public List<Histogram> rows() {
            List<Histogram> out = new ArrayList<>();
            for (int s = 0; s < counts.length; s++) {
                for (int set = 0; set < 2; set++) {
                    long n = java.util.Arrays.stream(counts[s][set]).sum();
                    if (n == 0) continue;
                    double[] lower = new double[HISTOGRAM_BINS];
                    double[] share = new double[HISTOGRAM_BINS];
                    for (int b = 0; b < HISTOGRAM_BINS; b++) {
                        lower[b] = max(s) * b / HISTOGRAM_BINS;
                        share[b] = counts[s][set][b] / (double) n;
                    }
                    out.add(new Histogram(SCORES.get(s), set == 0 ? "in-distribution" : "out-of-distribution",
                            max(s) / HISTOGRAM_BINS, lower, share));
                }
            }
            return out;
        }
    }

    /** One histogram of a score on one set: bin width, the bins' lower edges and the share of examples in each. */
    public record Histogram(String score, String set, double width, double[] lower, double[] share) {}
}
