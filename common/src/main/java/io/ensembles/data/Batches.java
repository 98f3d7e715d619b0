package io.ensembles.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Turns rows of an {@link ImageDataset} into normalised float minibatches for DL4J. */
public final class Batches {
    private Batches() {}

    /** Features [b, rows*cols] of the examples {@code order[from..to)} (all in order when {@code order} is null). */
    public static INDArray features(ImageDataset d, int[] order, int from, int to, Normalisation norm) {
        int f = d.features();
        float[] buf = new float[(to - from) * f];
        float[] lut = lookup(norm);
        for (int j = from; j < to; j++) {
            int i = order == null ? j : order[j];
            int off = (j - from) * f;
            for (int p = 0; p < f; p++) buf[off + p] = lut[d.pixel(i, p)];
        }
        return Nd4j.create(buf, new long[] {to - from, f}, 'c');
    }

    /** One-hot labels [b, classes]. */
    public static INDArray labels(ImageDataset d, int[] order, int from, int to) {
        float[] buf = new float[(to - from) * d.classes()];
        for (int j = from; j < to; j++) {
            int i = order == null ? j : order[j];
            buf[(j - from) * d.classes() + d.label(i)] = 1f;
        }
        return Nd4j.create(buf, new long[] {to - from, d.classes()}, 'c');
    }

    public static DataSet batch(ImageDataset d, int[] order, int from, int to, Normalisation norm) {
        return new DataSet(features(d, order, from, to, norm), labels(d, order, from, to));
    }

    /** The 256 normalised values a pixel byte can map to. */
    private static float[] lookup(Normalisation norm) {
        float[] lut = new float[256];
        for (int v = 0; v < 256; v++) lut[v] = norm.apply(v);
        return lut;
    }
}
