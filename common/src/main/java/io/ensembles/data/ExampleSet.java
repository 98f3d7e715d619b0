package io.ensembles.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Grey images with class labels, kept as raw unsigned bytes (row-major, one image after the
 * other): a quarter of the memory of floats, converted to normalised floats per batch.
 */
public final class ImageDataset implements java.io.Serializable {
    private final byte[] pixels;
    private final int[] labels;
    private final int rows;
    private final int cols;
    private final int classes;
    private final String source;

    public ImageDataset(byte[] pixels, int[] labels, int rows, int cols, int classes, String source) {
        this.pixels = Objects.requireNonNull(pixels);
        this.labels = Objects.requireNonNull(labels);
        this.rows = rows;
        this.cols = cols;
        this.classes = classes;
        this.source = source;
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels (" + pixels.length + ") do not hold "
                    + labels.length + " images of " + rows + "x" + cols);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new DataFormatException(source, "label " + labels[i] + " of example " + i
                        + " is outside the class range 0.." + (classes - 1));
            }
        }
    }

    public int size() { return labels.length; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public int features() { return rows * cols; }
    public int classes() { return classes; }
    public String source() { return source; }
    public int label(int i) { return labels[i]; }

    /** Unsigned pixel value (0..255) of pixel {@code p} of example {@code i}. */
    public int pixel(int i, int p) {
        return pixels[i * features() + p] & 0xFF;
    }

    public int[] labels() { return labels.clone(); }

    /** The same images with other labels, one per image. */
    public ImageDataset withLabels(int[] newLabels) {
        if (newLabels.length != labels.length) {
            throw new IllegalArgumentException(newLabels.length + " labels for " + labels.length + " images");
        }
        return new ImageDataset(pixels, newLabels.clone(), rows, cols, classes, source);
    }

    /** The examples at the given indices, in that order (a copy). */
    public ImageDataset select(int[] indices) {
        int f = features();
        byte[] px = new byte[indices.length * f];
        int[] lb = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            System.arraycopy(pixels, indices[j] * f, px, j * f, f);
            lb[j] = labels[indices[j]];
        }
        return new ImageDataset(px, lb, rows, cols, classes, source);
    }

    /** The examples {@code from} (inclusive) to {@code to} (exclusive), a copy. */
    public ImageDataset slice(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + size() + " examples");
        }
        return new ImageDataset(Arrays.copyOfRange(pixels, from * features(), to * features()),
                Arrays.copyOfRange(labels, from, to), rows, cols, classes, source);
    }

    /** The first {@code n} examples (all of them when {@code n} is at least the size). */
    public ImageDataset head(int n) {
        if (n >= size()) return this;
        return new ImageDataset(Arrays.copyOf(pixels, n * features()), Arrays.copyOf(labels, n),
                rows, cols, classes, source);
    }
}
