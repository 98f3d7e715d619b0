package io.ensembles.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Arrays;

/**
 * How raw values reach the network: {@code (raw * scale - mean[g]) / std[g]}, one group {@code g}
 * per image channel or per tabular feature. Image bytes are scaled to [0, 1] ({@code scale = 1/255})
 * first. Fitted on the training split ({@link #standardise}: mean 0 and standard deviation 1 per
 * group; {@link #unitRange}: images left in [0, 1], features min-max scaled to [0, 1]) and stored
 * in the manifest, so evaluation and scoring normalise their data the same way.
 */
public record Normalisation(double scale, double[] mean, double[] std) implements Serializable {
    public static final double BYTE_SCALE = 1.0 / 255.0;

    public Normalisation {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException(mean.length + " means and " + std.length + " standard deviations");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * Reads both manifest formats: format 1 stored one scalar mean and std of grey pixels (no
     * scale: bytes), format 2 one array entry per group and the scale.
     */
    @JsonCreator
    static Normalisation fromJson(@JsonProperty("scale") Double scale, @JsonProperty("mean") JsonNode mean,
                                  @JsonProperty("std") JsonNode std) {
        return new Normalisation(scale == null ? BYTE_SCALE : scale, numbers(mean), numbers(std));
    }

    private static double[] numbers(JsonNode n) {
        if (n == null) throw new IllegalArgumentException("normalisation without mean or std");
        if (n.isNumber()) return new double[] {n.asDouble()};
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) v[i] = n.get(i).asDouble();
        return v;
    }

    /** Mean 0 and standard deviation 1 per channel (images) or feature (vectors) over {@code d}. */
    public static Normalisation standardise(ExampleSet d) {
        int groups = d.shape().channels();
        int per = d.shape().groupSize();
        double scale = d.isBytes() ? BYTE_SCALE : 1.0;
        double[] sum = new double[groups];
        double[] sumSq = new double[groups];
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < d.features(); p++) {
                double v = d.value(i, p) * scale;
                sum[p / per] += v;
                sumSq[p / per] += v * v;
            }
        }
        double n = (double) d.size() * per;
        double[] mean = new double[groups];
        double[] std = new double[groups];
        for (int g = 0; g < groups; g++) {
            mean[g] = sum[g] / n;
            double sd = Math.sqrt(Math.max(sumSq[g] / n - mean[g] * mean[g], 0));
            std[g] = sd > 1e-8 ? sd : 1.0; // a constant channel or feature is only centred
        }
        return new Normalisation(scale, mean, std);
    }

    /** Images: pixels scaled to [0, 1] (PyTorch's ToTensor). Features: min-max scaled to [0, 1] over {@code d}. */
    public static Normalisation unitRange(ExampleSet d) {
        int groups = d.shape().channels();
        if (d.isBytes()) {
            double[] ones = new double[groups];
            Arrays.fill(ones, 1.0);
            return new Normalisation(BYTE_SCALE, new double[groups], ones);
        }
        int per = d.shape().groupSize();
        double[] min = new double[groups];
        double[] max = new double[groups];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < d.features(); p++) {
                min[p / per] = Math.min(min[p / per], d.value(i, p));
                max[p / per] = Math.max(max[p / per], d.value(i, p));
            }
        }
        double[] range = new double[groups];
        for (int g = 0; g < groups; g++) range[g] = max[g] - min[g] > 1e-12 ? max[g] - min[g] : 1.0;
        return new Normalisation(1.0, min, range);
    }

    /** Channels or features this normalisation has one mean for. */
    public int groups() {
        return mean.length;
    }

    public float apply(float raw, int group) {
        return (float) ((raw * scale - mean[group]) / std[group]);
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalisation n && n.scale == scale && Arrays.equals(n.mean, mean)
                && Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale) * 31 + Arrays.hashCode(mean) * 17 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalisation[scale=" + scale + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
