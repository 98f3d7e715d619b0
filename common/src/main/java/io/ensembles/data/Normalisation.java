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
        return Sums.of(d).standardise();
    }

    /** Images: pixels scaled to [0, 1] (PyTorch's ToTensor). Features: min-max scaled to [0, 1] over {@code d}. */
    public static Normalisation unitRange(ExampleSet d) {
        return Sums.of(d).unitRange();
    }

    /**
     * What a normalisation is fitted from, per group: the count, the sum and sum of squares of the
     * scaled values, the minimum and maximum of the raw ones. Sums of parts merge, so a table's
     * partitions can be summed where they are and only these few numbers travel.
     */
    public static final class Sums implements Serializable {
        private final int per;
        private final boolean bytes;
        private final double[] sum;
        private final double[] sumSq;
        private final double[] min;
        private final double[] max;
        private long examples;

        public Sums(InputShape shape, boolean bytes) {
            int groups = shape.channels();
            this.per = shape.groupSize();
            this.bytes = bytes;
            this.sum = new double[groups];
            this.sumSq = new double[groups];
            this.min = new double[groups];
            this.max = new double[groups];
            Arrays.fill(min, Double.POSITIVE_INFINITY);
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
        }

        static Sums of(ExampleSet d) {
            Sums s = new Sums(d.shape(), d.isBytes());
            for (int i = 0; i < d.size(); i++) {
                for (int p = 0; p < d.features(); p++) s.add(p / s.per, d.value(i, p));
            }
            s.examples = d.size();
            return s;
        }

        /** Adds one example: image bytes (unsigned) or raw floats. */
        public void add(byte[] values, float[] floats) {
            if (values != null) {
                for (int p = 0; p < values.length; p++) add(p / per, values[p] & 0xFF);
            } else {
                for (int p = 0; p < floats.length; p++) add(p / per, floats[p]);
            }
            examples++;
        }

        private void add(int g, float raw) {
            double v = raw * (bytes ? BYTE_SCALE : 1.0);
            sum[g] += v;
            sumSq[g] += v * v;
            min[g] = Math.min(min[g], raw);
            max[g] = Math.max(max[g], raw);
        }

        /** These sums and {@code o}'s, added into this. */
        public Sums merge(Sums o) {
            for (int g = 0; g < sum.length; g++) {
                sum[g] += o.sum[g];
                sumSq[g] += o.sumSq[g];
                min[g] = Math.min(min[g], o.min[g]);
                max[g] = Math.max(max[g], o.max[g]);
            }
            examples += o.examples;
            return this;
        }

        public long examples() {
            return examples;
        }

        /** Mean 0 and standard deviation 1 per group. */
        public Normalisation standardise() {
            int groups = sum.length;
            double n = (double) examples * per;
            double[] mean = new double[groups];
            double[] std = new double[groups];
            for (int g = 0; g < groups; g++) {
                mean[g] = sum[g] / n;
                double sd = Math.sqrt(Math.max(sumSq[g] / n - mean[g] * mean[g], 0));
                std[g] = sd > 1e-8 ? sd : 1.0; // a constant channel or feature is only centred
            }
            return new Normalisation(bytes ? BYTE_SCALE : 1.0, mean, std);
        }

        /** Images scaled to [0, 1]; features min-max scaled to [0, 1]. */
        public Normalisation unitRange() {
            int groups = sum.length;
            if (bytes) {
                double[] ones = new double[groups];
                Arrays.fill(ones, 1.0);
                return new Normalisation(BYTE_SCALE, new double[groups], ones);
            }
            double[] range = new double[groups];
            for (int g = 0; g < groups; g++) range[g] = max[g] - min[g] > 1e-12 ? max[g] - min[g] : 1.0;
            return new Normalisation(1.0, min.clone(), range);
        }
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
