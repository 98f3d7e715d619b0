package io.ensembles.metrics;

import java.io.Serializable;

/**
 * The searches of one test-time cross-validation, kept by whoever drives the passes: {@link #next}
 * gives the round to fill (null when done), {@link #finish} takes it back filled. Fold f of a
 * repeat fits on half f and scores half 1 - f. Rounds step every search still going; once all
 * have stopped, one last round scores them.
 */
public final class TemperatureCrossValidation implements Serializable {
    private final int classes;
    private final int repeats;
    private final long seed;
    private final TemperatureScaling.Search[][] search; // [repeat][fold]
    private final double[][] score; // [repeat][fold]: NLL on the other half at the fitted beta
    private boolean scored;

    public TemperatureCrossValidation(int classes, int repeats, long seed) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        this.classes = classes;
        this.repeats = repeats;
        this.seed = seed;
        this.search = new TemperatureScaling.Search[repeats][2];
        for (TemperatureScaling.Search[] r : search) {
            r[0] = new TemperatureScaling.Search();
            r[1] = new TemperatureScaling.Search();
        }
        this.score = new double[repeats][2];
    }

    /** The next round of every cross-validation, or null once all of them are done. */
    public static Round[] next(TemperatureCrossValidation[] all) {
        Round[] rounds = new Round[all.length];
        boolean any = false;
        for (int s = 0; s < all.length; s++) any |= (rounds[s] = all[s].next()) != null;
        return any ? rounds : null;
    }

    /** The next round to fill, or null once the searches and the scoring are done. */
    public Round next() {
        if (scored) return null;
        boolean fitting = false;
        double[][] beta = new double[repeats][2];
        for (int r = 0; r < repeats; r++) {
            for (int f = 0; f < 2; f++) {
                beta[r][f] = search[r][f].done() ? Double.NaN : search[r][f].beta();
                fitting |= !search[r][f].done();
            }
        }
        if (!fitting) {
            for (int r = 0; r < repeats; r++) for (int f = 0; f < 2; f++) beta[r][f] = search[r][f].beta();
        }
        return new Round(classes, seed, beta, !fitting);
    }

    public void finish(Round filled) {
        for (int r = 0; r < repeats; r++) {
            for (int f = 0; f < 2; f++) {
                if (filled.scoring) {
                    long other = filled.counts[r][1 - f];
                    score[r][f] = filled.counts[r][f] == 0 || other == 0 ? Double.NaN : filled.sums[r][f][0] / other;
                } else if (!Double.isNaN(filled.beta[r][f])) {
                    search[r][f].update(filled.sums[r][f][0], filled.sums[r][f][1]);
                }
            }
        }
        scored |= filled.scoring;
    }

    /** The mean over folds (a fold with an empty half is left out) of the scored NLL and the fitted T. */
    public TemperatureScaling.Calibrated result(double error) {
        if (!scored) throw new IllegalStateException("the search is not finished");
        double nll = 0;
        double t = 0;
        int folds = 0;
        for (int r = 0; r < repeats; r++) {
            for (int f = 0; f < 2; f++) {
                if (Double.isNaN(score[r][f])) continue;
                nll += score[r][f];
                t += search[r][f].temperature();
                folds++;
            }
        }
        return folds == 0 ? new TemperatureScaling.Calibrated(Double.NaN, error, Double.NaN)
                : new TemperatureScaling.Calibrated(nll / folds, error, t / folds);
    }

    /**
     * One round's sums, filled example by example and merged across partitions: for every repeat and
     * fold, either the derivative sums over the fold's fitting half at the fold's current beta (a
     * fold whose search has stopped has beta NaN and is skipped), or, in the scoring round, the NLL
     * summed over its other half at its fitted beta.
     */
    public static final class Round implements Serializable {
        private final int classes;
        private final long seed;
        private final double[][] beta; // [repeat][fold]
        private final double[][][] sums; // [repeat][fold][0..1]
        private final long[][] counts; // [repeat][half]
        private final boolean scoring;

        Round(int classes, long seed, double[][] beta, boolean scoring) {
            this.classes = classes;
            this.seed = seed;
            this.beta = beta;
            this.scoring = scoring;
            this.sums = new double[beta.length][2][2];
            this.counts = new long[beta.length][2];
        }

        /** An empty round at the same points (for a partition to fill). */
        public Round emptyCopy() {
            return new Round(classes, seed, beta, scoring);
        }

        /** Adds example {@code example} with label {@code label}, log-probabilities at {@code logs[off..off+classes)}. */
        public void add(long example, int label, double[] logs, int off) {
            for (int r = 0; r < beta.length; r++) {
                int h = TemperatureScaling.inFirstHalf(seed, r, example) ? 0 : 1;
                counts[r][h]++;
                if (scoring) {
                    int f = 1 - h; // the fold fitted on the other half scores this example
                    sums[r][f][0] += TemperatureScaling.nll(logs, off, classes, label, beta[r][f]);
                } else if (!Double.isNaN(beta[r][h])) {
                    TemperatureScaling.addDerivatives(logs, off, classes, label, beta[r][h], sums[r][h]);
                }
            }
        }

        public Round merge(Round o) {
            for (int r = 0; r < sums.length; r++) {
                for (int h = 0; h < 2; h++) {
                    counts[r][h] += o.counts[r][h];
                    sums[r][h][0] += o.sums[r][h][0];
                    sums[r][h][1] += o.sums[r][h][1];
                }
            }
            return this;
        }
    }
}
