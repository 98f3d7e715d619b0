package io.ensembles.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * Out-of-distribution detection: how well a score separates in-distribution examples (negatives)
 * from out-of-distribution ones (positives; a higher score means "more likely OOD"). The scores
 * of the literature are 1 - max probability, the predictive entropy and the mutual information
 * between prediction and member (entropy of the mean minus mean entropy of the members).
 */
public final class OodDetection {
    private OodDetection() {}

    public record Result(double auroc, double aupr, double fprAt95Tpr) {}

    /** 1 - max_k p_k per example. */
    public static double[] oneMinusMaxProbability(float[] probs, int classes) {
        int n = probs.length / classes;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = 1 - probs[i * classes + ClassificationMetrics.argmax(probs, i, classes)];
        return s;
    }

    /** -sum_k p_k log p_k per example (nats). */
    public static double[] entropy(float[] probs, int classes) {
        int n = probs.length / classes;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double h = 0;
            for (int k = 0; k < classes; k++) {
                double p = probs[i * classes + k];
                if (p > 0) h -= p * Math.log(p);
            }
            s[i] = h;
        }
        return s;
    }

    /** Mutual information per example: H(mean of members) - mean of H(member); 0 for one member. */
    public static double[] mutualInformation(List<float[]> members, int classes) {
        double[] total = entropy(ClassificationMetrics.average(members), classes);
        double[] mean = new double[total.length];
        for (float[] m : members) {
            double[] h = entropy(m, classes);
            for (int i = 0; i < h.length; i++) mean[i] += h[i] / members.size();
        }
        for (int i = 0; i < total.length; i++) total[i] = Math.max(0, total[i] - mean[i]);
        return total;
    }

    /**
     * AUROC (ties count half, the Mann-Whitney statistic), AUPR with OOD as the positive class
     * (average precision, tied scores taken as one threshold), and the false-positive rate at the
     * smallest threshold that reaches 95% true-positive rate.
     */
    public static Result evaluate(double[] inDistribution, double[] outOfDistribution) {
        int nNeg = inDistribution.length;
        int nPos = outOfDistribution.length;
        if (nNeg == 0 || nPos == 0) throw new IllegalArgumentException("both sets need examples");
        double[] all = new double[nNeg + nPos];
        boolean[] pos = new boolean[nNeg + nPos];
        Integer[] idx = new Integer[all.length];
        for (int i = 0; i < nNeg; i++) all[i] = inDistribution[i];
        for (int i = 0; i < nPos; i++) {
            all[nNeg + i] = outOfDistribution[i];
            pos[nNeg + i] = true;
        }
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        // descending score: walk thresholds from the highest score down, a tie group at a time
        Arrays.sort(idx, (a, b) -> Double.compare(all[b], all[a]));
        double auroc = 0;
        double ap = 0;
        double fpr95 = Double.NaN;
        int tp = 0;
        int fp = 0;
        for (int g = 0; g < idx.length; ) {
            int end = g;
            int gPos = 0;
            int gNeg = 0;
            while (end < idx.length && all[idx[end]] == all[idx[g]]) {
                if (pos[idx[end]]) gPos++; else gNeg++;
                end++;
            }
            // each negative in this group is outscored by the positives above it, ties half
            auroc += gNeg * (tp + 0.5 * gPos);
            tp += gPos;
            fp += gNeg;
            if (gPos > 0) ap += (gPos / (double) nPos) * (tp / (double) (tp + fp));
            if (Double.isNaN(fpr95) && tp >= 0.95 * nPos) fpr95 = fp / (double) nNeg;
            g = end;
        }
        return new Result(auroc / ((double) nPos * nNeg), ap, fpr95);
    }
}
