package io.ensembles.metrics;

import java.util.List;

/**
 * How differently members predict (Fort et al. 2019): the share of examples on which two members'
 * predicted classes differ, that share divided by the error, and the KL divergence between members'
 * predictive distributions; each averaged over all pairs of members.
 */
public final class Diversity {
    private Diversity() {}

    /** Share of examples where the argmax of {@code a} and {@code b} differ. */
    public static double disagreement(float[] a, float[] b, int classes) {
        if (a.length != b.length || a.length % classes != 0) throw new IllegalArgumentException("shapes differ");
        int n = a.length / classes;
        int diff = 0;
        for (int i = 0; i < n; i++) {
            if (ClassificationMetrics.argmax(a, i, classes) != ClassificationMetrics.argmax(b, i, classes)) diff++;
        }
        return diff / (double) n;
    }

    /** Mean over examples of KL(a || b) = sum_k a_k log(a_k / b_k). */
    public static double kl(float[] a, float[] b, int classes) {
        if (a.length != b.length || a.length % classes != 0) throw new IllegalArgumentException("shapes differ");
        int n = a.length / classes;
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > 0) s += a[i] * Math.log(a[i] / Math.max(b[i], ClassificationMetrics.EPS));
        }
        return s / n;
    }

    /** Mean disagreement over all unordered pairs (0 for fewer than two members). */
    public static double meanDisagreement(List<float[]> members, int classes) {
        double s = 0;
        int pairs = 0;
        for (int i = 0; i < members.size(); i++) {
            for (int j = i + 1; j < members.size(); j++) {
                s += disagreement(members.get(i), members.get(j), classes);
                pairs++;
            }
        }
        return pairs == 0 ? 0 : s / pairs;
    }

    /** Mean KL over all ordered pairs (KL is not symmetric), 0 for fewer than two members. */
    public static double meanKl(List<float[]> members, int classes) {
        double s = 0;
        int pairs = 0;
        for (int i = 0; i < members.size(); i++) {
            for (int j = 0; j < members.size(); j++) {
                if (i == j) continue;
                s += kl(members.get(i), members.get(j), classes);
                pairs++;
            }
        }
        return pairs == 0 ? 0 : s / pairs;
    }
}
