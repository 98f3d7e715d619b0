package io.ensembles.metrics;

import java.util.List;

/**
 * Metrics of predicted class probabilities (row-major [n * classes]) against labels, as the
 * ensemble literature computes them. Pure functions.
 */
public final class ClassificationMetrics {
    /** Probabilities are clipped here before the log, so one confident mistake stays finite. */
    public static final double EPS = 1e-12;

    private ClassificationMetrics() {}

    public static int argmax(float[] probs, int row, int classes) {
        int off = row * classes;
        int best = 0;
        for (int k = 1; k < classes; k++) if (probs[off + k] > probs[off + best]) best = k;
        return best;
    }

    public static double accuracy(float[] probs, int[] labels, int classes) {
        check(probs, labels, classes);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) if (argmax(probs, i, classes) == labels[i]) correct++;
        return correct / (double) labels.length;
    }

    public static double error(float[] probs, int[] labels, int classes) {
        return 1 - accuracy(probs, labels, classes);
    }

    /** Negative log-likelihood: -mean log p(y|x). */
    public static double nll(float[] probs, int[] labels, int classes) {
        check(probs, labels, classes);
        double s = 0;
        for (int i = 0; i < labels.length; i++) s -= Math.log(Math.max(probs[i * classes + labels[i]], EPS));
        return s / labels.length;
    }

    /**
     * Expected calibration error with {@code bins} equal-width confidence bins:
     * sum over bins of (bin size / n) * |accuracy(bin) - mean confidence(bin)|.
     * A confidence of exactly b/bins falls in bin b-1 (bins are (lo, hi]); 0 falls in bin 0.
     */
    public static double ece(float[] probs, int[] labels, int classes, int bins) {
        double e = 0;
        for (ReliabilityBin b : reliability(probs, labels, classes, bins)) {
            if (b.count() > 0) e += b.count() * Math.abs(b.accuracy() - b.confidence()) / labels.length;
        }
        return e;
    }

    /** The equal-width bin (of {@code bins}) of a confidence: bins are (lo, hi], and 0 falls in bin 0. */
    public static int confidenceBin(double confidence, int bins) {
        return Math.min(bins - 1, Math.max(0, (int) Math.ceil(confidence * bins) - 1));
    }

    /** The reliability diagram behind {@link #ece}: the same {@code bins} equal-width confidence bins. */
    public static java.util.List<ReliabilityBin> reliability(float[] probs, int[] labels, int classes, int bins) {
        check(probs, labels, classes);
        double[] conf = new double[bins];
        double[] acc = new double[bins];
        long[] count = new long[bins];
        for (int i = 0; i < labels.length; i++) {
            int pred = argmax(probs, i, classes);
            double c = probs[i * classes + pred];
            int b = confidenceBin(c, bins);
            conf[b] += c;
            acc[b] += pred == labels[i] ? 1 : 0;
            count[b]++;
        }
        java.util.List<ReliabilityBin> out = new java.util.ArrayList<>();
        for (int b = 0; b < bins; b++) out.add(ReliabilityBin.of(b, bins, count[b], conf[b], acc[b]));
        return out;
    }

    /**
     * Adaptive ECE (equal-mass bins, Nixon et al. 2019): the examples sorted by confidence are cut
     * into {@code bins} bins of (nearly) equal size, then weighted |accuracy - confidence| as for ECE.
     */
    public static double adaptiveEce(float[] probs, int[] labels, int classes, int bins) {
        check(probs, labels, classes);
        int n = labels.length;
        Integer[] order = new Integer[n];
        double[] conf = new double[n];
        boolean[] correct = new boolean[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            int pred = argmax(probs, i, classes);
            conf[i] = probs[i * classes + pred];
            correct[i] = pred == labels[i];
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(conf[a], conf[b]));
        double e = 0;
        int b = Math.min(bins, n);
        for (int k = 0; k < b; k++) {
            int from = (int) ((long) k * n / b);
            int to = (int) ((long) (k + 1) * n / b);
            double c = 0;
            double a = 0;
            for (int j = from; j < to; j++) {
                c += conf[order[j]];
                a += correct[order[j]] ? 1 : 0;
            }
            e += Math.abs(a - c) / n;
        }
        return e;
    }

    /** Brier score: mean over examples of sum_k (p_k - [y = k])^2 (0 perfect, 2 worst). */
    public static double brier(float[] probs, int[] labels, int classes) {
        check(probs, labels, classes);
        double s = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int k = 0; k < classes; k++) {
                double d = probs[i * classes + k] - (k == labels[i] ? 1 : 0);
                s += d * d;
            }
        }
        return s / labels.length;
    }

    /**
     * One row of the mean of some members: {@code out[k]} = mean over {@code members} of
     * {@code probs[m][off + k]}, summed in double in the given order and rounded to float, exactly
     * as {@link #average} rounds (the sums of a cluster and whole arrays must agree to the bit).
     */
    public static void averageRow(float[][] probs, int[] members, int off, int classes, float[] out) {
        for (int k = 0; k < classes; k++) {
            double sum = 0;
            for (int m : members) sum += probs[m][off + k];
            out[k] = (float) (sum / members.length);
        }
    }

    /** The mean of several members' probabilities: the deep-ensemble prediction. */
    public static float[] average(List<float[]> members) {
        if (members.isEmpty()) throw new IllegalArgumentException("no members to average");
        int len = members.get(0).length;
        double[] sum = new double[len];
        for (float[] m : members) {
            if (m.length != len) throw new IllegalArgumentException("members predict different shapes");
            for (int i = 0; i < len; i++) sum[i] += m[i];
        }
        float[] out = new float[len];
        for (int i = 0; i < len; i++) out[i] = (float) (sum[i] / members.size());
        return out;
    }

    static void check(float[] probs, int[] labels, int classes) {
        if (labels.length == 0) throw new IllegalArgumentException("no examples");
        if (probs.length != labels.length * classes) {
            throw new IllegalArgumentException("probabilities hold " + probs.length + " values, expected "
                    + labels.length + " x " + classes);
        }
    }
}
