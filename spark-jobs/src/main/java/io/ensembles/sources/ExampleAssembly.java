package io.ensembles.sources;

import io.ensembles.data.DataFormatException;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decoded rows into an {@link ExampleSet}: one shape for all (or a one-line error naming the row),
 * the classes discovered from string labels or checked against the known ones, and the labels.
 */
final class ExampleAssembly {
    private static final Logger LOG = LoggerFactory.getLogger(ExampleAssembly.class);

    private ExampleAssembly() {}

    /** The decoded rows as one set: every check names the first offending row (0-based, in table order). */
    static ExampleSet assemble(List<RowDecoder.Example> rows, RowDecoder decoder, TableReader.Target t) {
        return assemble(rows, decoder, t, 0);
    }

    /** As above, for rows {@code firstRow ..} of the table (the numbers its messages give). */
    static ExampleSet assemble(List<RowDecoder.Example> rows, RowDecoder decoder, TableReader.Target t, long firstRow) {
        String src = decoder.source();
        RowDecoder.Example first = rows.get(0);
        boolean alpha = false;
        for (int i = 0; i < rows.size(); i++) {
            RowDecoder.Example e = rows.get(i);
            if (e.error() != null) throw new DataFormatException(src, at(firstRow + i, e) + e.error());
            if (e.channels() != first.channels() || e.height() != first.height() || e.width() != first.width()) {
                String what = decoder.images()
                        ? "an image of " + InputShape.image(e.channels(), e.height(), e.width()) + " where row " + firstRow
                        + " has "
                        + InputShape.image(first.channels(), first.height(), first.width())
                        + "; set data.image.resize = [H, W] to read images of mixed sizes"
                        : e.channels() + " features where row " + firstRow + " has " + first.channels();
                throw new DataFormatException(src, at(firstRow + i, e) + "column '" + decoder.inputColumn() + "' has "
                        + what);
            }
            alpha |= e.alphaDropped();
        }
        if (alpha) LOG.info("{}: images with an alpha channel are read as RGB (alpha dropped)", src);
        InputShape shape = decoder.shapeOf(first);
        if (t.expected() != null && !t.expected().equals(shape)) {
            throw new DataFormatException(src, "has examples of " + shape + " but the models expect " + t.expected());
        }
        List<String> classes = t.classNames() != null ? t.classNames() : discoverClasses(rows, decoder);
        int[] labels = labels(rows, decoder, classes, t.classNames() != null, firstRow);
        int f = shape.size();
        String source = src;
        ExampleSet set;
        if (decoder.images()) {
            byte[] values = new byte[rows.size() * f];
            for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i).bytes(), 0, values, i * f, f);
            set = ExampleSet.ofBytes(shape, values, labels, classes, source);
        } else {
            float[] values = new float[rows.size() * f];
            for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i).floats(), 0, values, i * f, f);
            set = ExampleSet.ofFloats(shape, values, labels, classes, source);
        }
        if (!decoder.keyed()) return set;
        long[] keys = new long[rows.size()];
        for (int i = 0; i < keys.length; i++) keys[i] = rows.get(i).id();
        return set.withRowKeys(keys);
    }

    /** Strings: their sorted distinct values. Integers: 0 .. the largest label (at least 2 classes). */
    private static List<String> discoverClasses(List<RowDecoder.Example> rows, RowDecoder decoder) {
        if (decoder.stringLabels()) {
            TreeSet<String> names = new TreeSet<>();
            for (RowDecoder.Example e : rows) names.add((String) e.label());
            if (names.size() < 2) {
                throw new DataFormatException(decoder.source(), "has only one class " + names + " in its label column");
            }
            return List.copyOf(names);
        }
        long max = 1;
        for (int i = 0; i < rows.size(); i++) {
            long l = (Long) rows.get(i).label();
            if (l < 0 || l > 100_000) {
                throw new DataFormatException(decoder.source(), at(i, rows.get(i)) + "the label is " + l
                        + ", expected a class index 0..100000 or a string");
            }
            max = Math.max(max, l);
        }
        return ExampleSet.numberedClasses((int) max + 1);
    }

    private static int[] labels(List<RowDecoder.Example> rows, RowDecoder decoder, List<String> classes, boolean known,
                                long firstRow) {
        int[] labels = new int[rows.size()];
        if (!decoder.labelled()) return labels; // scoring: unlabelled rows
        RowDecoder.ClassIndex index = new RowDecoder.ClassIndex(classes);
        for (int i = 0; i < rows.size(); i++) {
            Object l = rows.get(i).label();
            int k = index.of(l);
            if (k < 0) {
                throw new DataFormatException(decoder.source(), at(firstRow + i, rows.get(i)) + "label '" + l + "' is "
                        + (known ? "a class the ensemble never saw" : "not a class") + " (classes: "
                        + abbreviate(classes) + ")");
            }
            labels[i] = k;
        }
        return labels;
    }

    private static String at(long row, RowDecoder.Example e) {
        return "row " + row + (e.where() != null ? " (" + e.where() + ")" : "") + ": ";
    }

    private static String abbreviate(List<String> classes) {
        return classes.size() <= 12 ? String.join(", ", classes)
                : String.join(", ", classes.subList(0, 12)) + ", ... (" + classes.size() + ")";
    }
}
