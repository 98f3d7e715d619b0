package io.ensembles.data;

import java.io.Serializable;

/**
 * Pixels scaled to [0, 1], then standardised with the mean and standard deviation of the
 * training split ({@link #fit}), or left in [0, 1] ({@link #UNIT_RANGE}, data.normalisation =
 * unit-range). Stored in the manifest so evaluation normalises test data the same way.
 */
public record Normalisation(double mean, double std) implements Serializable {
    /** Pixels scaled to [0, 1] and left there (data.normalisation = unit-range). */
    public static final Normalisation UNIT_RANGE = new Normalisation(0, 1);

    public static Normalisation fit(ImageDataset d) {
        double sum = 0;
        double sumSq = 0;
        long n = (long) d.size() * d.features();
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < d.features(); p++) {
                double v = d.pixel(i, p) / 255.0;
                sum += v;
                sumSq += v * v;
            }
        }
        double mean = sum / n;
        double var = Math.max(sumSq / n - mean * mean, 0);
        return new Normalisation(mean, Math.sqrt(var) > 1e-8 ? Math.sqrt(var) : 1.0);
    }

    public float apply(int pixel) {
        return (float) ((pixel / 255.0 - mean) / std);
    }
}
