package io.ensembles.metrics;

import java.util.Random;

/**
 * Temperature scaling of predicted probabilities and the "test-time cross-validation" of
 * Ashukha et al. (2020): the test set is split in two halves, T is fitted on one half and the NLL
 * scored on the other, then the halves swap; repeated with fresh random splits and averaged. That
 * calibrated NLL compares methods without the calibration a held-out set would otherwise need.
 * <p>
 * Scaling the logits by 1/T is, on probabilities, {@code p_k^(1/T) / sum_j p_j^(1/T)}: it works on
 * an ensemble's averaged probabilities as on a single model's softmax. The argmax, and so the
 * error, does not change. T is found by a robust 1-D search (a grid over log T, then golden
 * section around the best grid point), which does not depend on gradients or a starting point.
 */
public final class TemperatureScaling {
    public static final double MIN_T = 0.05;
    public static final double MAX_T = 20.0;

    private TemperatureScaling() {}

    /** The result of test-time cross-validation: the mean calibrated NLL and error, and the mean fitted T. */
    public record Calibrated(double nll, double error, double temperature) {}

    /** Probabilities at temperature {@code t}, row-major [n * classes]. */
    public static float[] apply(float[] probs, int classes, double t) {
        double[] logs = logs(probs);
        float[] out = new float[probs.length];
        for (int off = 0; off < probs.length; off += classes) {
            double norm = logSumExp(logs, off, classes, t);
            for (int k = 0; k < classes; k++) out[off + k] = (float) Math.exp(logs[off + k] / t - norm);
        }
        return out;
    }

    /** log p, clipped as the NLL clips it: computed once, then reused at every temperature tried. */
    private static double[] logs(float[] probs) {
        double[] l = new double[probs.length];
        for (int i = 0; i < probs.length; i++) l[i] = Math.log(Math.max(probs[i], ClassificationMetrics.EPS));
        return l;
    }

    /** log sum_k exp(logs[off + k] / t), stably. */
    private static double logSumExp(double[] logs, int off, int classes, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) max = Math.max(max, logs[off + k] / t);
        double sum = 0;
        for (int k = 0; k < classes; k++) sum += Math.exp(logs[off + k] / t - max);
        return max + Math.log(sum);
    }

    /** NLL of the given rows at temperature {@code t}. */
    private static double nllAt(double[] logs, int[] labels, int classes, int[] rows, double t) {
        double s = 0;
        for (int i : rows) s -= logs[i * classes + labels[i]] / t - logSumExp(logs, i * classes, classes, t);
        return s / rows.length;
    }

    /** The temperature in [MIN_T, MAX_T] that minimises the NLL of {@code rows}. */
    private static double fit(double[] logs, int[] labels, int classes, int[] rows) {
        double lo = Math.log(MIN_T);
        double hi = Math.log(MAX_T);
        int grid = 40;
        double best = 0;
        double bestNll = Double.POSITIVE_INFINITY;
        for (int g = 0; g <= grid; g++) {
            double x = lo + (hi - lo) * g / grid;
            double v = nllAt(logs, labels, classes, rows, Math.exp(x));
            if (v < bestNll) {
                bestNll = v;
                best = x;
            }
        }
        // golden-section search on log T in the grid cell on either side of the best point
        double step = (hi - lo) / grid;
        double a = Math.max(lo, best - step);
        double b = Math.min(hi, best + step);
        double phi = (Math.sqrt(5) - 1) / 2;
        double c = b - phi * (b - a);
        double d = a + phi * (b - a);
        double fc = nllAt(logs, labels, classes, rows, Math.exp(c));
        double fd = nllAt(logs, labels, classes, rows, Math.exp(d));
        for (int it = 0; it < 40 && b - a > 1e-6; it++) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - phi * (b - a);
                fc = nllAt(logs, labels, classes, rows, Math.exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + phi * (b - a);
                fd = nllAt(logs, labels, classes, rows, Math.exp(d));
            }
        }
        return Math.exp((a + b) / 2);
    }

    /** Fits T on all rows. */
    public static double fit(float[] probs, int[] labels, int classes) {
        ClassificationMetrics.check(probs, labels, classes);
        int[] all = new int[labels.length];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return fit(logs(probs), labels, classes, all);
    }

    /** Test-time cross-validation: {@code repeats} random half splits, both directions each, averaged. */
    public static Calibrated crossValidated(float[] probs, int[] labels, int classes, int repeats, long seed) {
        ClassificationMetrics.check(probs, labels, classes);
        int n = labels.length;
        if (n < 2) throw new IllegalArgumentException("calibration needs at least 2 examples");
        Random rnd = new Random(seed);
        double[] logs = logs(probs);
        double nll = 0;
        double t = 0;
        int folds = 0;
        for (int r = 0; r < repeats; r++) {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            int[] first = java.util.Arrays.copyOfRange(perm, 0, n / 2);
            int[] second = java.util.Arrays.copyOfRange(perm, n / 2, n);
            for (int[][] fold : new int[][][] {{first, second}, {second, first}}) {
                double ti = fit(logs, labels, classes, fold[0]);
                nll += nllAt(logs, labels, classes, fold[1], ti);
                t += ti;
                folds++;
            }
        }
        return new Calibrated(nll / folds, ClassificationMetrics.error(probs, labels, classes), t / folds);
    }
}
