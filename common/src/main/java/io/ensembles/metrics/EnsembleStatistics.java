package io.ensembles.metrics;

import java.io.Serializable;

/**
 * The sums behind an ensemble's metrics, added up example by example and merged across
 * partitions, so a cluster computes them without gathering predictions in one place. For each
 * requested subset of members (the ensemble averages their probabilities): correct predictions,
 * NLL, Brier score and the equal-width ECE bins; for every pair of members: disagreements and KL;
 * and, when given, one round of each subset's temperature-scaling search
 * ({@link TemperatureCrossValidation.Round}; null for a subset whose search is over). The metrics then come from the merged sums exactly as
 * {@link ClassificationMetrics} and {@link Diversity} compute them from whole arrays.
 * <p>
 * Adaptive ECE needs the examples sorted by confidence, and OOD detection a ranking of scores:
 * those are not sums and are computed elsewhere.
 */
public final class EnsembleStatistics implements Serializable {
    private final int classes;
    private final int bins;
    private final int members;
    private final int[][] subsets;
    private final boolean base;
    private final TemperatureCrossValidation.Round[] rounds;

    private long n;
    private final long[] correct;
    private final double[] nll;
    private final double[] brier;
    private final long[][] binCount;
    private final long[][] binCorrect;
    private final double[][] binConfidence;
    private final long[][] disagree;
    private final double[][] kl;

    /**
     * @param subsets sorted member indices of each ensemble to measure
     * @param base    whether to add up the sums of the metrics (the first pass does, later
     *                calibration rounds need only their round)
     * @param rounds  one calibration round per subset (null where a subset needs none), or null for none
     */
    public EnsembleStatistics(int classes, int bins, int members, int[][] subsets, boolean base,
                              TemperatureCrossValidation.Round[] rounds) {
        if (rounds != null && rounds.length != subsets.length) {
            throw new IllegalArgumentException(rounds.length + " calibration rounds for " + subsets.length + " subsets");
        }
        this.classes = classes;
        this.bins = bins;
        this.members = members;
        this.subsets = subsets;
        this.base = base;
        this.rounds = rounds;
        int s = base ? subsets.length : 0;
        int m = base ? members : 0;
        correct = new long[s];
        nll = new double[s];
        brier = new double[s];
        binCount = new long[s][bins];
        binCorrect = new long[s][bins];
        binConfidence = new double[s][bins];
        disagree = new long[m][m];
        kl = new double[m][m];
    }

    /** Empty statistics of the same shape (the same calibration candidates), for one partition. */
    public EnsembleStatistics emptyCopy() {
        TemperatureCrossValidation.Round[] r = null;
        if (rounds != null) {
            r = new TemperatureCrossValidation.Round[rounds.length];
            for (int i = 0; i < r.length; i++) r[i] = rounds[i] == null ? null : rounds[i].emptyCopy();
        }
        return new EnsembleStatistics(classes, bins, members, subsets, base, r);
    }

    /**
     * Adds a block of examples: example {@code first + i} has label {@code labels[i]} and member
     * m's probabilities at {@code probs[m][i * classes ..]}.
     */
    public EnsembleStatistics addBlock(long first, int[] labels, float[][] probs) {
        if (probs.length != members) throw new IllegalArgumentException(probs.length + " members, expected " + members);
        float[] avg = new float[classes];
        double[] logs = new double[classes];
        int[] argmax = new int[members];
        for (int i = 0; i < labels.length; i++) {
            int off = i * classes;
            int y = labels[i];
            if (base) {
                for (int m = 0; m < members; m++) argmax[m] = ClassificationMetrics.argmax(probs[m], i, classes);
                for (int a = 0; a < members; a++) {
                    for (int b = 0; b < members; b++) {
                        if (a == b) continue;
                        if (a < b && argmax[a] != argmax[b]) disagree[a][b]++;
                        double s = 0;
                        for (int k = 0; k < classes; k++) {
                            float pa = probs[a][off + k];
                            if (pa > 0) s += pa * Math.log(pa / Math.max(probs[b][off + k], ClassificationMetrics.EPS));
                        }
                        kl[a][b] += s;
                    }
                }
            }
            for (int s = 0; s < subsets.length; s++) {
                boolean calibrating = rounds != null && rounds[s] != null;
                if (!base && !calibrating) continue;
                ClassificationMetrics.averageRow(probs, subsets[s], off, classes, avg);
                if (base) {
                    int pred = ClassificationMetrics.argmax(avg, 0, classes);
                    if (pred == y) correct[s]++;
                    nll[s] -= Math.log(Math.max(avg[y], ClassificationMetrics.EPS));
                    double br = 0;
                    for (int k = 0; k < classes; k++) {
                        double d = avg[k] - (k == y ? 1 : 0);
                        br += d * d;
                    }
                    brier[s] += br;
                    double c = avg[pred];
                    int b = ClassificationMetrics.confidenceBin(c, bins);
                    binCount[s][b]++;
                    binConfidence[s][b] += c;
                    if (pred == y) binCorrect[s][b]++;
                }
                if (calibrating) {
                    TemperatureScaling.logs(avg, 0, logs, 0, classes);
                    rounds[s].add(first + i, y, logs, 0);
                }
            }
            n++;
        }
        return this;
    }

    public EnsembleStatistics merge(EnsembleStatistics o) {
        n += o.n;
        for (int s = 0; s < correct.length; s++) {
            correct[s] += o.correct[s];
            nll[s] += o.nll[s];
            brier[s] += o.brier[s];
            for (int b = 0; b < bins; b++) {
                binCount[s][b] += o.binCount[s][b];
                binCorrect[s][b] += o.binCorrect[s][b];
                binConfidence[s][b] += o.binConfidence[s][b];
            }
        }
        for (int a = 0; a < disagree.length; a++) {
            for (int b = 0; b < disagree.length; b++) {
                disagree[a][b] += o.disagree[a][b];
                kl[a][b] += o.kl[a][b];
            }
        }
        if (rounds != null) for (int s = 0; s < rounds.length; s++) if (rounds[s] != null) rounds[s].merge(o.rounds[s]);
        return this;
    }

    public long examples() { return n; }

    /** The calibration round of subset {@code s}, filled (null if it had none). */
    public TemperatureCrossValidation.Round round(int s) { return rounds[s]; }

    public double accuracy(int s) { return correct[s] / (double) n; }

    public double nll(int s) { return nll[s] / n; }

    public double brier(int s) { return brier[s] / n; }

    public double ece(int s) {
        double e = 0;
        for (int b = 0; b < bins; b++) {
            if (binCount[s][b] > 0) e += Math.abs(binCorrect[s][b] - binConfidence[s][b]) / n;
        }
        return e;
    }

    /** The reliability diagram of subset {@code s}: its ECE bins. */
    public java.util.List<ReliabilityBin> reliability(int s) {
        java.util.List<ReliabilityBin> out = new java.util.ArrayList<>();
        for (int b = 0; b < bins; b++) out.add(ReliabilityBin.of(b, bins, binCount[s][b], binConfidence[s][b], binCorrect[s][b]));
        return out;
    }

    /** Mean disagreement over the unordered pairs of subset {@code s} (0 for one member). */
    public double disagreement(int s) {
        int[] m = subsets[s];
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = i + 1; j < m.length; j++) {
                sum += disagree[Math.min(m[i], m[j])][Math.max(m[i], m[j])] / (double) n;
                pairs++;
            }
        }
        return pairs == 0 ? 0 : sum / pairs;
    }

    /** Mean KL over the ordered pairs of subset {@code s} (0 for one member). */
    public double kl(int s) {
        int[] m = subsets[s];
        double sum = 0;
        int pairs = 0;
        for (int a : m) {
            for (int b : m) {
                if (a == b) continue;
                sum += kl[a][b] / n;
                pairs++;
            }
        }
        return pairs == 0 ? 0 : sum / pairs;
    }
}
