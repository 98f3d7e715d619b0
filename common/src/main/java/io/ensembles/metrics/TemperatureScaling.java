package io.ensembles.metrics;

import java.io.Serializable;

/**
 * Temperature scaling of predicted probabilities and the "test-time cross-validation" of
 * Ashukha et al. (2020): the test set is split in two halves, T is fitted on one half and the NLL
 * scored on the other, then the halves swap; repeated with fresh random splits and averaged. That
 * calibrated NLL compares methods without the calibration a held-out set would otherwise need.
 * <p>
 * Scaling the logits by 1/T is, on probabilities, {@code p_k^(1/T) / sum_j p_j^(1/T)}: it works on
 * an ensemble's averaged probabilities as on a single model's softmax. The argmax, and so the
 * error, does not change.
 * <p>
 * The fit minimises the NLL over beta = 1/T in [1/{@value #MAX_T}, 1/{@value #MIN_T}]. With
 * {@code l = log p}, an example's NLL is {@code logsumexp(beta l) - beta l_y}: its first derivative
 * is {@code E_q[l] - l_y} and its second {@code Var_q[l] >= 0} under {@code q = softmax(beta l)}, so
 * the NLL is convex in beta and a guarded Newton search ({@link Search}) finds the exact minimiser
 * in a handful of steps, from beta = 1, bisecting (in log beta) whenever a step would leave the
 * bracket the derivative's signs have shown. Every step is one pass over the examples that only
 * adds up two sums, and an example's half depends only on (seed, repeat, example index): so the same
 * search runs on one machine ({@link #crossValidated}) and on a cluster, one pass per step, with the
 * same result ({@link TemperatureCrossValidation}).
 */
public final class TemperatureScaling {
    public static final double MIN_T = 0.05;
    public static final double MAX_T = 20.0;
    /** The search stops once a step moves beta by less than this, relatively. */
    public static final double TOLERANCE = 1e-10;
    /** A bound on the steps of one search (bisection alone would need about 40 at {@link #TOLERANCE}). */
    public static final int MAX_STEPS = 100;

    private TemperatureScaling() {}

    /** The result of test-time cross-validation: the mean calibrated NLL and error, and the mean fitted T. */
    public record Calibrated(double nll, double error, double temperature) {}

    /** Probabilities at temperature {@code t}, row-major [n * classes]. */
    public static float[] apply(float[] probs, int classes, double t) {
        double[] logs = logs(probs);
        float[] out = new float[probs.length];
        for (int off = 0; off < probs.length; off += classes) {
            double norm = logSumExp(logs, off, classes, 1 / t);
            for (int k = 0; k < classes; k++) out[off + k] = (float) Math.exp(logs[off + k] / t - norm);
        }
        return out;
    }

    /** log p, clipped as the NLL clips it. */
    public static double[] logs(float[] probs) {
        double[] l = new double[probs.length];
        logs(probs, 0, l, 0, probs.length);
        return l;
    }

    /** {@code out[to + i] = log(max(probs[from + i], EPS))} for {@code i < len}. */
    public static void logs(float[] probs, int from, double[] out, int to, int len) {
        for (int i = 0; i < len; i++) out[to + i] = Math.log(Math.max(probs[from + i], ClassificationMetrics.EPS));
    }

    /** log sum_k exp(beta logs[off + k]), stably. */
    private static double logSumExp(double[] logs, int off, int classes, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) max = Math.max(max, beta * logs[off + k]);
        double sum = 0;
        for (int k = 0; k < classes; k++) sum += Math.exp(beta * logs[off + k] - max);
        return max + Math.log(sum);
    }

    /** The NLL of one example at inverse temperature {@code beta}, from its log-probabilities at {@code logs[off..]}. */
    static double nll(double[] logs, int off, int classes, int label, double beta) {
        return logSumExp(logs, off, classes, beta) - beta * logs[off + label];
    }

    /**
     * Adds one example's first and second derivatives of the NLL in beta to {@code acc[0]} and
     * {@code acc[1]}: {@code E_q[l] - l_y} and {@code Var_q[l]}, both taken relative to the largest
     * log-probability so that the variance does not cancel.
     */
    static void addDerivatives(double[] logs, int off, int classes, int label, double beta, double[] acc) {
        double top = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) top = Math.max(top, logs[off + k]);
        double w = 0;
        double m1 = 0;
        double m2 = 0;
        for (int k = 0; k < classes; k++) {
            double d = logs[off + k] - top;
            double e = Math.exp(beta * d);
            w += e;
            m1 += e * d;
            m2 += e * d * d;
        }
        m1 /= w;
        acc[0] += m1 - (logs[off + label] - top);
        acc[1] += Math.max(0, m2 / w - m1 * m1);
    }

    /** The two derivative sums of {@link #addDerivatives} over all rows of {@code probs} at {@code beta}. */
    public static double[] derivativeSums(float[] probs, int[] labels, int classes, double beta) {
        double[] logs = logs(probs);
        double[] acc = new double[2];
        for (int i = 0; i < labels.length; i++) addDerivatives(logs, i * classes, classes, labels[i], beta, acc);
        return acc;
    }

    /**
     * One guarded Newton search for the beta that minimises a sum of NLLs: {@link #beta} is where to
     * take the next derivative sums, {@link #update} takes them. A sum without rows (derivative 0)
     * stops at once.
     */
    public static final class Search implements Serializable {
        private static final double LOWEST = 1 / MAX_T;
        private static final double HIGHEST = 1 / MIN_T;
        private double lo = LOWEST;
        private double hi = HIGHEST;
        private boolean loTried;
        private boolean hiTried;
        private double beta = 1;
        private boolean done;
        private int steps;

        public double beta() { return beta; }

        public double temperature() { return 1 / beta; }

        public boolean done() { return done; }

        /** The derivative sums taken so far (the passes a cluster made for this search). */
        public int steps() { return steps; }

        /** Takes the sums of the first and second derivatives at {@link #beta()}; sets the next point or stops. */
        public void update(double g, double h) {
            if (done) throw new IllegalStateException("the search is over");
            steps++;
            if (g == 0 || (g < 0 && beta >= HIGHEST) || (g > 0 && beta <= LOWEST) || Double.isNaN(g)) {
                done = true; // at the minimum, or at the bound it is beyond
                return;
            }
            if (g > 0) {
                hi = beta;
                hiTried = true;
            } else {
                lo = beta;
                loTried = true;
            }
            double next = h > 0 ? beta - g / h : Double.NaN;
            if (Math.abs(next - beta) <= TOLERANCE * beta) {
                done = true; // converged (a step this small may round onto the bracket's end)
                return;
            }
            if (!(next > lo && next < hi)) {
                // a step out of the bracket: first try the bound it points at, then bisect
                if (g < 0 && !hiTried) next = hi;
                else if (g > 0 && !loTried) next = lo;
                else next = Math.sqrt(lo * hi);
            }
            done = Math.abs(next - beta) <= TOLERANCE * beta || hi - lo <= TOLERANCE * lo || steps >= MAX_STEPS;
            beta = next;
        }
    }

    /** Whether example {@code example} is in the first half of split {@code repeat} (a seeded hash: about half are). */
    public static boolean inFirstHalf(long seed, int repeat, long example) {
        long z = seed + 0x9E3779B97F4A7C15L * (repeat + 1) + 0xBF58476D1CE4E5B9L * example;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z & 1) == 0;
    }

    /** Fits T on all rows: the search of {@link Search}, one sum over every row per step. */
    public static double fit(float[] probs, int[] labels, int classes) {
        ClassificationMetrics.check(probs, labels, classes);
        Search search = new Search();
        while (!search.done()) {
            double[] d = derivativeSums(probs, labels, classes, search.beta());
            search.update(d[0], d[1]);
        }
        return search.temperature();
    }

    /** Test-time cross-validation on one machine: {@code repeats} random half splits, both directions each, averaged. */
    public static Calibrated crossValidated(float[] probs, int[] labels, int classes, int repeats, long seed) {
        ClassificationMetrics.check(probs, labels, classes);
        if (labels.length < 2) throw new IllegalArgumentException("calibration needs at least 2 examples");
        double[] logs = logs(probs);
        TemperatureCrossValidation cv = new TemperatureCrossValidation(classes, repeats, seed);
        for (TemperatureCrossValidation.Round r = cv.next(); r != null; r = cv.next()) {
            for (int i = 0; i < labels.length; i++) r.add(i, labels[i], logs, i * classes);
            cv.finish(r);
        }
        return cv.result(ClassificationMetrics.error(probs, labels, classes));
    }
}
