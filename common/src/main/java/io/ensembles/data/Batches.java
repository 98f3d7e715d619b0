package io.ensembles.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Turns rows of an {@link ExampleSet} into normalised float minibatches for DL4J. */
public final class Batches {
    private Batches() {}

    /** Features [b, size of one example] of the examples {@code order[from..to)} (all in order when {@code order} is null). */
    public static INDArray features(ExampleSet d, int[] order, int from, int to, Normalisation norm) {
        if (norm.groups() != d.shape().channels()) {
            throw new IllegalArgumentException("a normalisation of " + norm.groups() + " groups for examples of "
                    + d.shape());
        }
        int f = d.features();
        int per = d.shape().groupSize();
        float[] buf = new float[(to - from) * f];
        if (d.isBytes()) {
            float[][] lut = lookup(norm);
            for (int j = from; j < to; j++) {
                int i = order == null ? j : order[j];
                int off = (j - from) * f;
                for (int p = 0; p < f; p++) buf[off + p] = lut[p / per][d.pixel(i, p)];
            }
        } else {
            for (int j = from; j < to; j++) {
                int i = order == null ? j : order[j];
                int off = (j - from) * f;
                for (int p = 0; p < f; p++) buf[off + p] = norm.apply(d.value(i, p), p / per);
            }
        }
        return Nd4j.create(buf, new long[] {to - from, f}, 'c');
    }

    /** One-hot labels [b, classes]. */
    public static INDArray labels(ExampleSet d, int[] order, int from, int to) {
        float[] buf = new float[(to - from) * d.classes()];
        for (int j = from; j < to; j++) {
            int i = order == null ? j : order[j];
            buf[(j - from) * d.classes() + d.label(i)] = 1f;
        }
        return Nd4j.create(buf, new long[] {to - from, d.classes()}, 'c');
    }

    public static DataSet batch(ExampleSet d, int[] order, int from, int to, Normalisation norm) {
        return new DataSet(features(d, order, from, to, norm), labels(d, order, from, to));
    }

    /** Per group, the 256 normalised values a byte can map to. */
    private static float[][] lookup(Normalisation norm) {
        float[][] lut = new float[norm.groups()][256];
        for (int g = 0; g < lut.length; g++) {
            for (int v = 0; v < 256; v++) lut[g][v] = norm.apply(v, g);
        }
        return lut;
    }
}
