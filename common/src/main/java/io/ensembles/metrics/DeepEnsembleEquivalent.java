package io.ensembles.metrics;

/**
 * The deep-ensemble equivalent of Ashukha et al. (2020): for a method whose ensemble reaches a
 * calibrated log-likelihood (CLL, higher is better) of {@code cll}, the smallest real l >= 1 such
 * that a deep ensemble of l members reaches it, with the deep ensemble's CLL interpolated linearly
 * between integer sizes.
 */
public final class DeepEnsembleEquivalent {
    private DeepEnsembleEquivalent() {}

    /**
     * @param deepCll the deep ensemble's CLL at sizes 1..K ({@code deepCll[0]} is size 1)
     * @return l in [1, K]; 1 when even one deep member is as good; {@code Double.POSITIVE_INFINITY}
     *         when K deep members are not as good (the DEE is then "more than K")
     */
    public static double of(double cll, double[] deepCll) {
        if (deepCll.length == 0) throw new IllegalArgumentException("no deep-ensemble sizes");
        if (deepCll[0] >= cll) return 1.0;
        for (int l = 1; l < deepCll.length; l++) {
            double lo = deepCll[l - 1];
            double hi = deepCll[l];
            if (hi >= cll) return l + (hi > lo ? (cll - lo) / (hi - lo) : 0.0);
        }
        return Double.POSITIVE_INFINITY;
    }
}
