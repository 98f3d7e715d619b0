package io.ensembles.metrics;

import java.io.Serializable;
import java.util.Arrays;

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
 * The search for T is robust and needs no gradient or starting point: a grid of {@value #GRID}
 * points over log T in [{@value #MIN_T}, {@value #MAX_T}], then {@code ROUNDS - 1} rounds of
 * {@value #REFINE} points around the best point so far, each round {@value #SHRINK} times finer
 * (the last step is 0.002 in log T). Every round is one pass over the examples that only adds up
 * sums, and an example's half depends only on (seed, repeat, example index): so the same search
 * runs on one machine ({@link #crossValidated}) and on a cluster, one pass per round, with the
 * same result ({@link CrossValidation}, {@link Round}).
 */
public final class TemperatureScaling {
    public static final double MIN_T = 0.05;
    public static final double MAX_T = 20.0;
    public static final int GRID = 25;
    public static final int REFINE = 11;
    public static final double SHRINK = 5;
    public static final int ROUNDS = 4;

    private static final double LO = Math.log(MIN_T);
    private static final double HI = Math.log(MAX_T);

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

    /** log sum_k exp(logs[off + k] / t), stably. */
    private static double logSumExp(double[] logs, int off, int classes, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) max = Math.max(max, logs[off + k] / t);
        double sum = 0;
        for (int k = 0; k < classes; k++) sum += Math.exp(logs[off + k] / t - max);
        return max + Math.log(sum);
    }

    /** The NLL of one example at temperature {@code t}, from its log-probabilities at {@code logs[off..]}. */
    static double nll(double[] logs, int off, int classes, int label, double t) {
        return logSumExp(logs, off, classes, t) - logs[off + label] / t;
    }

    /** Whether example {@code example} is in the first half of split {@code repeat} (a seeded hash: about half are). */
    public static boolean inFirstHalf(long seed, int repeat, long example) {
        long z = seed + 0x9E3779B97F4A7C15L * (repeat + 1) + 0xBF58476D1CE4E5B9L * example;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z & 1) == 0;
    }

    /** The log-T candidates of round {@code round}, around {@code best} (the previous round's best log T). */
    public static double[] candidates(int round, double best) {
        double[] x;
        if (round == 0) {
            x = new double[GRID];
            for (int j = 0; j < GRID; j++) x[j] = LO + (HI - LO) * j / (GRID - 1);
        } else {
            double step = (HI - LO) / (GRID - 1) / Math.pow(SHRINK, round - 1);
            x = new double[REFINE];
            for (int j = 0; j < REFINE; j++) {
                x[j] = Math.max(LO, Math.min(HI, best - step + 2 * step * j / (REFINE - 1)));
            }
        }
        return x;
    }

    /** Fits T on all rows (the same search, on one fold that fits and scores every row). */
    public static double fit(float[] probs, int[] labels, int classes) {
        ClassificationMetrics.check(probs, labels, classes);
        double best = 0;
        for (int round = 0; round < ROUNDS; round++) {
            double[] c = candidates(round, best);
            best = c[argmin(nllSums(probs, labels, classes, c))];
        }
        return Math.exp(best);
    }

    /**
     * The summed NLL of {@code probs} at every log-T candidate of {@code logT}: one round of {@link #fit}
     * over some of the rows. Sums of parts add up, so a cluster fits T with one pass per round.
     */
    public static double[] nllSums(float[] probs, int[] labels, int classes, double[] logT) {
        double[] logs = logs(probs);
        double[] sums = new double[logT.length];
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < logT.length; j++) sums[j] += nll(logs, i * classes, classes, labels[i], Math.exp(logT[j]));
        }
        return sums;
    }

    /** The index of the smallest value (the first of equals). */
    public static int argmin(double[] v) {
        int b = 0;
        for (int j = 1; j < v.length; j++) if (v[j] < v[b]) b = j;
        return b;
    }

    /** Test-time cross-validation on one machine: {@code repeats} random half splits, both directions each, averaged. */
    public static Calibrated crossValidated(float[] probs, int[] labels, int classes, int repeats, long seed) {
        ClassificationMetrics.check(probs, labels, classes);
        if (labels.length < 2) throw new IllegalArgumentException("calibration needs at least 2 examples");
        double[] logs = logs(probs);
        CrossValidation cv = new CrossValidation(classes, repeats, seed);
        for (Round r = cv.next(); r != null; r = cv.next()) {
            for (int i = 0; i < labels.length; i++) r.add(i, labels[i], logs, i * classes);
            cv.finish(r);
        }
        return cv.result(ClassificationMetrics.error(probs, labels, classes));
    }

    /**
     * The search of one test-time cross-validation, kept by whoever drives the passes: {@link #next}
     * gives the round to fill (null when done), {@link #finish} takes it back filled.
     */
    public static final class CrossValidation implements Serializable {
        private final int classes;
        private final int repeats;
        private final long seed;
        private final double[][] best; // [repeat][fold]: best log T so far; fold f fits on half f
        private final double[][] score; // [repeat][fold]: NLL on the other half at the final T
        private int round;

        public CrossValidation(int classes, int repeats, long seed) {
            if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
            this.classes = classes;
            this.repeats = repeats;
            this.seed = seed;
            this.best = new double[repeats][2];
            this.score = new double[repeats][2];
        }

        /** The next round to fill, or null once every round is done. */
        public Round next() {
            if (round >= ROUNDS) return null;
            double[][][] c = new double[repeats][2][];
            for (int r = 0; r < repeats; r++) {
                c[r][0] = candidates(round, best[r][0]);
                // in round 0 both folds try the same grid: one array, so a pass computes it once
                c[r][1] = round == 0 ? c[r][0] : candidates(round, best[r][1]);
            }
            // only the last round's scores are kept: earlier rounds need no sums on the scoring halves
            return new Round(classes, seed, c, round == ROUNDS - 1);
        }

        public void finish(Round filled) {
            for (int r = 0; r < repeats; r++) {
                for (int f = 0; f < 2; f++) {
                    int j = argmin(filled.sums[r][f][f]);
                    best[r][f] = filled.candidates[r][f][j];
                    long other = filled.counts[r][1 - f];
                    if (filled.scoring) {
                        score[r][f] = filled.counts[r][f] == 0 || other == 0 ? Double.NaN
                                : filled.sums[r][f][1 - f][j] / other;
                    }
                }
            }
            round++;
        }

        /** The mean over folds (a fold with an empty half is left out) of the scored NLL and the fitted T. */
        public Calibrated result(double error) {
            if (round < ROUNDS) throw new IllegalStateException("the search has " + (ROUNDS - round) + " rounds to go");
            double nll = 0;
            double t = 0;
            int folds = 0;
            for (int r = 0; r < repeats; r++) {
                for (int f = 0; f < 2; f++) {
                    if (Double.isNaN(score[r][f])) continue;
                    nll += score[r][f];
                    t += Math.exp(best[r][f]);
                    folds++;
                }
            }
            return folds == 0 ? new Calibrated(Double.NaN, error, Double.NaN)
                    : new Calibrated(nll / folds, error, t / folds);
        }
    }

    /**
     * One round's sums: for every repeat, fold and half, the NLL summed over that half's examples at
     * each of the fold's candidate temperatures. Filled example by example, merged across partitions.
     */
    public static final class Round implements Serializable {
        private final int classes;
        private final long seed;
        private final double[][][] candidates; // [repeat][fold][j] log T
        private final double[][][][] sums; // [repeat][fold][half][j]
        private final long[][] counts; // [repeat][half]
        private final boolean scoring;

        Round(int classes, long seed, double[][][] candidates, boolean scoring) {
            this.classes = classes;
            this.seed = seed;
            this.candidates = candidates;
            this.scoring = scoring;
            int repeats = candidates.length;
            this.sums = new double[repeats][2][2][];
            this.counts = new long[repeats][2];
            for (int r = 0; r < repeats; r++) {
                for (int h = 0; h < 2; h++) {
                    sums[r][0][h] = new double[candidates[r][0].length];
                    // folds trying the same grid share their sums: computed and merged once
                    sums[r][1][h] = shared(r) ? sums[r][0][h] : new double[candidates[r][1].length];
                }
            }
        }

        private boolean shared(int r) {
            return candidates[r][1] == candidates[r][0];
        }

        /** An empty round with the same candidates (for a partition to fill). */
        public Round emptyCopy() {
            return new Round(classes, seed, candidates, scoring);
        }

        /** Adds example {@code example} with label {@code label}, log-probabilities at {@code logs[off..off+classes)}. */
        public void add(long example, int label, double[] logs, int off) {
            for (int r = 0; r < candidates.length; r++) {
                int h = inFirstHalf(seed, r, example) ? 0 : 1;
                counts[r][h]++;
                for (int f = 0; f < (shared(r) ? 1 : 2); f++) {
                    if (!scoring && !shared(r) && f != h) continue; // in fold f's scoring half: not needed yet
                    double[] c = candidates[r][f];
                    double[] s = sums[r][f][h];
                    for (int j = 0; j < c.length; j++) s[j] += nll(logs, off, classes, label, Math.exp(c[j]));
                }
            }
        }

        public Round merge(Round o) {
            for (int r = 0; r < sums.length; r++) {
                for (int h = 0; h < 2; h++) {
                    counts[r][h] += o.counts[r][h];
                    for (int f = 0; f < (shared(r) ? 1 : 2); f++) {
                        for (int j = 0; j < sums[r][f][h].length; j++) sums[r][f][h][j] += o.sums[r][f][h][j];
                    }
                }
            }
            return this;
        }
    }
}
