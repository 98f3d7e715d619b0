package io.ensembles.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Labelled examples of one {@link InputShape}, row after row (an image channel-major). Images
 * are kept as raw unsigned bytes (a quarter of the memory of floats), tabular features as
 * floats; both become normalised floats per batch ({@link Batches}). Labels are class indices
 * into {@link #classNames()}.
 */
public final class ExampleSet implements java.io.Serializable {
    private final InputShape shape;
    private final byte[] bytes;   // unsigned 0..255, or null
    private final float[] floats; // raw values, or null
    private final int[] labels;
    private final List<String> classNames;
    private final String source;
    private final long[] rowKeys; // the rows' ids, hashed (a table's id column), or null

    private ExampleSet(InputShape shape, byte[] bytes, float[] floats, int[] labels, List<String> classNames,
                       String source) {
        this(shape, bytes, floats, labels, classNames, source, null);
    }

    private ExampleSet(InputShape shape, byte[] bytes, float[] floats, int[] labels, List<String> classNames,
                       String source, long[] rowKeys) {
        if (rowKeys != null && rowKeys.length != labels.length) {
            throw new IllegalArgumentException(rowKeys.length + " row keys for " + labels.length + " examples");
        }
        this.rowKeys = rowKeys;
        this.shape = Objects.requireNonNull(shape);
        this.bytes = bytes;
        this.floats = floats;
        this.labels = Objects.requireNonNull(labels);
        this.classNames = List.copyOf(classNames);
        this.source = source;
        long stored = bytes != null ? bytes.length : floats.length;
        if ((long) labels.length * shape.size() != stored) {
            throw new IllegalArgumentException("the values (" + stored + ") do not hold " + labels.length
                    + " examples of " + shape);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new DataFormatException(source, "label " + labels[i] + " of example " + i
                        + " is outside the class range 0.." + (classNames.size() - 1));
            }
        }
    }

    /** Images of unsigned bytes, laid out as {@code shape} says. */
    public static ExampleSet ofBytes(InputShape shape, byte[] values, int[] labels, List<String> classNames,
                                     String source) {
        return new ExampleSet(shape, Objects.requireNonNull(values), null, labels, classNames, source);
    }

    /** Examples of raw float values (tabular features). */
    public static ExampleSet ofFloats(InputShape shape, float[] values, int[] labels, List<String> classNames,
                                      String source) {
        return new ExampleSet(shape, null, Objects.requireNonNull(values), labels, classNames, source);
    }

    /** Grey {@code rows x cols} images whose classes are the numbers 0..classes-1 (the MNIST family). */
    public static ExampleSet grey(byte[] pixels, int[] labels, int rows, int cols, int classes, String source) {
        return ofBytes(InputShape.image(1, rows, cols), pixels, labels, numberedClasses(classes), source);
    }

    /** "0", "1", ... "n-1": the class names of integer labels. */
    public static List<String> numberedClasses(int classes) {
        String[] names = new String[classes];
        for (int k = 0; k < classes; k++) names[k] = Integer.toString(k);
        return List.of(names);
    }

    public int size() { return labels.length; }
    public InputShape shape() { return shape; }
    public int features() { return shape.size(); }
    public int classes() { return classNames.size(); }
    public List<String> classNames() { return classNames; }
    public String source() { return source; }
    public int label(int i) { return labels[i]; }
    /** Whether the values are unsigned bytes (images) rather than floats. */
    public boolean isBytes() { return bytes != null; }

    /** Unsigned value (0..255) of value {@code p} of example {@code i}; byte storage only. */
    public int pixel(int i, int p) {
        return bytes[i * features() + p] & 0xFF;
    }

    /** The raw value {@code p} of example {@code i}: a byte's 0..255, or the stored float. */
    public float value(int i, int p) {
        return bytes != null ? bytes[i * features() + p] & 0xFF : floats[i * features() + p];
    }

    public int[] labels() { return labels.clone(); }

    /** Whether the rows carry keys (their ids, hashed): the validation split hashes those instead of the content. */
    public boolean hasRowKeys() { return rowKeys != null; }

    /** Row {@code i}'s key; {@link #hasRowKeys} only. */
    public long rowKey(int i) { return rowKeys[i]; }

    /** The same examples, row {@code i} keyed by {@code keys[i]}. */
    public ExampleSet withRowKeys(long[] keys) {
        return new ExampleSet(shape, bytes, floats, labels, classNames, source, keys.clone());
    }

    /** The same examples with other labels, one per example. */
    public ExampleSet withLabels(int[] newLabels) {
        if (newLabels.length != labels.length) {
            throw new IllegalArgumentException(newLabels.length + " labels for " + labels.length + " examples");
        }
        return new ExampleSet(shape, bytes, floats, newLabels.clone(), classNames, source, rowKeys);
    }

    /** The same examples with labels of no meaning (all class 0) and the given classes: an OOD set scored by a model of those classes. */
    public ExampleSet unlabelled(List<String> names) {
        return new ExampleSet(shape, bytes, floats, new int[labels.length], names, source, rowKeys);
    }

    /** The same examples as images of another value array (a corruption), labels unchanged. */
    public ExampleSet withBytes(byte[] values, String newSource) {
        return new ExampleSet(shape, values, null, labels.clone(), classNames, newSource, rowKeys);
    }

    /** The examples at the given indices, in that order (a copy). */
    public ExampleSet select(int[] indices) {
        int f = features();
        int[] lb = new int[indices.length];
        for (int j = 0; j < indices.length; j++) lb[j] = labels[indices[j]];
        long[] keys = null;
        if (rowKeys != null) {
            keys = new long[indices.length];
            for (int j = 0; j < indices.length; j++) keys[j] = rowKeys[indices[j]];
        }
        if (bytes != null) {
            byte[] v = new byte[indices.length * f];
            for (int j = 0; j < indices.length; j++) System.arraycopy(bytes, indices[j] * f, v, j * f, f);
            return new ExampleSet(shape, v, null, lb, classNames, source, keys);
        }
        float[] v = new float[indices.length * f];
        for (int j = 0; j < indices.length; j++) System.arraycopy(floats, indices[j] * f, v, j * f, f);
        return new ExampleSet(shape, null, v, lb, classNames, source, keys);
    }

    /** The examples {@code from} (inclusive) to {@code to} (exclusive), a copy. */
    public ExampleSet slice(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + size() + " examples");
        }
        int f = features();
        return new ExampleSet(shape,
                bytes == null ? null : Arrays.copyOfRange(bytes, from * f, to * f),
                floats == null ? null : Arrays.copyOfRange(floats, from * f, to * f),
                Arrays.copyOfRange(labels, from, to), classNames, source,
                rowKeys == null ? null : Arrays.copyOfRange(rowKeys, from, to));
    }

    /** The first {@code n} examples (all of them when {@code n} is at least the size). */
    public ExampleSet head(int n) {
        return n >= size() ? this : slice(0, n);
    }
}
