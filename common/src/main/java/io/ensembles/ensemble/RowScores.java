package io.ensembles.ensemble;

/**
 * What scoring reports for one example, from every member's probabilities: the ensemble's mean
 * probabilities (optionally at a temperature), its class and confidence, the predictive entropy,
 * the mutual information between prediction and member (the ensemble's epistemic part:
 * H(mean) - mean of the members' H), the share of members whose class differs from the
 * ensemble's, and the OOD score (the entropy of the uncalibrated mean, on which the threshold was fitted).
 */
public record RowScores(double[] probability, int prediction, double confidence, double entropy,
                        double mutualInformation, double disagreement, double oodScore) {

    /** Row {@code i} of {@code probs[member][i * classes + k]}; {@code temperature = 1} leaves the mean as it is. */
    public static RowScores of(float[][] probs, int i, int classes, double temperature) {
        int off = i * classes;
        double[] mean = new double[classes];
        double memberEntropy = 0;
        int[] votes = new int[probs.length];
        for (int m = 0; m < probs.length; m++) {
            int best = 0;
            for (int k = 0; k < classes; k++) {
                double p = probs[m][off + k];
                mean[k] += p / probs.length;
                if (p > probs[m][off + best]) best = k;
            }
            votes[m] = best;
            memberEntropy += entropy(probs[m], off, classes) / probs.length;
        }
        double h = entropy(mean);
        double[] out = temperature == 1.0 ? mean : tempered(mean, temperature);
        int cls = argmax(out);
        int differ = 0;
        for (int v : votes) if (v != cls) differ++;
        return new RowScores(out, cls, out[cls], out == mean ? h : entropy(out), Math.max(0, h - memberEntropy),
                (double) differ / probs.length, h);
    }

    static double entropy(double[] p) {
        double h = 0;
        for (double v : p) if (v > 0) h -= v * Math.log(v);
        return h;
    }

    private static double entropy(float[] p, int off, int classes) {
        double h = 0;
        for (int k = 0; k < classes; k++) if (p[off + k] > 0) h -= p[off + k] * Math.log(p[off + k]);
        return h;
    }

    private static int argmax(double[] p) {
        int b = 0;
        for (int k = 1; k < p.length; k++) if (p[k] > p[b]) b = k;
        return b;
    }

    /** softmax(log p / T), computed stably. */
    static double[] tempered(double[] p, double t) {
        double[] l = new double[p.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < p.length; k++) {
            l[k] = Math.log(Math.max(p[k], 1e-12)) / t;
            max = Math.max(max, l[k]);
        }
        double sum = 0;
        for (int k = 0; k < p.length; k++) sum += (l[k] = Math.exp(l[k] - max));
        for (int k = 0; k < p.length; k++) l[k] /= sum;
        return l;
    }
}
