package io.ensembles.sources;

import io.ensembles.config.SourceSpec;
import io.ensembles.data.ImageDecoder;
import io.ensembles.data.InputShape;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Turns one row of a source table into one example: the label (integer or string, or none) and
 * the input (a decoded image or a feature vector). Built from the table's schema, which it checks
 * first (missing columns and wrong types fail on the driver, before any row is read); a row that
 * cannot be decoded comes back as an {@link Example} with an error, so the driver can name the
 * first offending row. Serializable: executors decode their own partitions.
 */
public final class RowDecoder implements Serializable {
    /** How the input column is laid out. */
    enum Input { ENCODED, HF_STRUCT, SPARK_IMAGE, ARRAY, VECTOR, COLUMNS }

    /** One decoded row: the label ({@code String}, {@code Long} or null) and bytes (images) or floats (features). */
    public record Example(Object label, byte[] bytes, float[] floats, int channels, int height, int width,
                          boolean alphaDropped, String where, String error, Long id) implements Serializable {
        Example(Object label, byte[] bytes, float[] floats, int channels, int height, int width, boolean alphaDropped,
                String where, String error) {
            this(label, bytes, floats, channels, height, width, alphaDropped, where, error, null);
        }

        static Example failed(String where, String error) {
            return new Example(null, null, null, 0, 0, 0, false, where, error);
        }

        /** This example with its row's id ({@link io.ensembles.data.TrainingData#idKey} of the id column's value). */
        Example withId(long key) {
            return new Example(label, bytes, floats, channels, height, width, alphaDropped, where, error, key);
        }
    }

    private final String source;
    private final Input input;
    private final String inputColumn;
    private final List<String> columns;   // selected, in this order: [label], input column(s), [path]
    private final int labelIndex;          // -1: no label column
    private final boolean stringLabel;
    private final int pathIndex;           // -1: no path to name a row by
    private final int idIndex;             // -1: no id column
    private final int resizeH;
    private final int resizeW;

    private RowDecoder(String source, Input input, String inputColumn, List<String> columns, int labelIndex,
                       boolean stringLabel, int pathIndex, int idIndex, List<Integer> resize) {
        this.idIndex = idIndex;
        this.source = source;
        this.input = input;
        this.inputColumn = inputColumn;
        this.columns = List.copyOf(columns);
        this.labelIndex = labelIndex;
        this.stringLabel = stringLabel;
        this.pathIndex = pathIndex;
        this.resizeH = resize.isEmpty() ? 0 : resize.get(0);
        this.resizeW = resize.isEmpty() ? 0 : resize.get(1);
    }

    /**
     * The decoder of {@code spec}'s columns in a table of {@code schema}. {@code labels}: required
     * (training, evaluation), optional (scoring: used when present) or ignored.
     */
    public static RowDecoder of(StructType schema, SourceSpec spec, List<Integer> resize, Labels labels) {
        String src = spec.describe();
        List<String> cols = new ArrayList<>();
        Boolean stringLabel = SchemaChecks.label(schema, src, spec.labelColumn(), labels);
        int labelIndex = -1;
        if (stringLabel != null) {
            labelIndex = cols.size();
            cols.add(spec.labelColumn());
        }
        SchemaChecks.InputColumns in = SchemaChecks.input(schema, src, spec);
        cols.addAll(in.columns());
        int pathIndex = -1;
        if ("binaryFile".equals(spec.format()) && SchemaChecks.has(schema, "path")) {
            pathIndex = cols.size();
            cols.add("path");
        }
        int idIndex = -1;
        if (!spec.idColumn().isEmpty()) {
            SchemaChecks.column(schema, src, spec.idColumn());
            idIndex = cols.size();
            cols.add(spec.idColumn());
        }
        return new RowDecoder(src, in.input(), in.name(), cols, labelIndex, Boolean.TRUE.equals(stringLabel), pathIndex,
                idIndex, resize);
    }

    /** Whether a label column is read. */
    public enum Labels { REQUIRED, OPTIONAL, IGNORED }

    /** The shape of a decoded example: C x H x W for images, F features for a tabular row. */
    public InputShape shapeOf(Example e) {
        return images() ? InputShape.image(e.channels(), e.height(), e.width()) : InputShape.vector(e.channels());
    }

    /**
     * Labels to class indices: a string by its name; an integer by its name among the classes, or
     * else as the index itself when in range. Integer labels with numbered classes (the common case,
     * and a per-row lookup) go straight to their index.
     */
    public static final class ClassIndex implements Serializable {
        private final java.util.Map<String, Integer> byName = new java.util.HashMap<>();
        private final int size;
        private final boolean numbered;

        public ClassIndex(List<String> classes) {
            for (int k = 0; k < classes.size(); k++) byName.put(classes.get(k), k);
            this.size = classes.size();
            this.numbered = classes.equals(io.ensembles.data.ExampleSet.numberedClasses(size));
        }

        /** The class index of {@code label} (a String or a Long), or -1 when it is not a class. */
        public int of(Object label) {
            if (label instanceof String name) return byName.getOrDefault(name, -1);
            long n = (Long) label;
            if (numbered) return n >= 0 && n < size ? (int) n : -1;
            Integer k = byName.get(Long.toString(n));
            return k != null ? k : n >= 0 && n < size ? (int) n : -1;
        }
    }

    /** The columns to select from the table, in the order {@link #decode} reads them. */
    public List<String> columns() { return columns; }

    public boolean images() { return input == Input.ENCODED || input == Input.HF_STRUCT || input == Input.SPARK_IMAGE; }

    public boolean labelled() { return labelIndex >= 0; }

    public boolean stringLabels() { return stringLabel; }

    /** The columns that hold the input (the image, or the features): what scoring leaves out of its output by default. */
    public List<String> inputColumns() {
        int end = pathIndex >= 0 ? pathIndex : idIndex >= 0 ? idIndex : columns.size();
        return columns.subList(labelIndex >= 0 ? 1 : 0, end);
    }

    /** The input column(s) as messages name them. */
    public String inputColumn() { return inputColumn; }

    public String source() { return source; }

    /** Whether rows carry an id (data.<set>.id-column), which the validation split hashes. */
    public boolean keyed() { return idIndex >= 0; }

    /** Decodes one selected row (its columns in the order of {@link #columns}). */
    public Example decode(Row r) {
        Example e = decodeInput(r);
        if (idIndex < 0 || e.error() != null) return e;
        if (r.isNullAt(idIndex)) return Example.failed(e.where(), "column '" + columns.get(idIndex) + "': the id is null");
        return e.withId(io.ensembles.data.TrainingData.idKey(r.get(idIndex)));
    }

    private Example decodeInput(Row r) {
        String where = pathIndex >= 0 && !r.isNullAt(pathIndex) ? r.getString(pathIndex) : null;
        Object label = null;
        if (labelIndex >= 0) {
            if (r.isNullAt(labelIndex)) return Example.failed(where, "column '" + columns.get(labelIndex) + "': the label is null");
            label = stringLabel ? r.getString(labelIndex) : Long.valueOf(((Number) r.get(labelIndex)).longValue());
        }
        int at = labelIndex >= 0 ? 1 : 0;
        try {
            return switch (input) {
                case ENCODED, HF_STRUCT, SPARK_IMAGE -> image(r, at, label, where);
                case ARRAY, VECTOR, COLUMNS -> features(r, at, label, where);
            };
        } catch (IOException | RuntimeException e) {
            return Example.failed(where, "column '" + inputColumn + "': " + e.getMessage());
        }
    }

    private Example image(Row r, int at, Object label, String where) throws IOException {
        if (r.isNullAt(at)) return Example.failed(where, "column '" + inputColumn + "': the image is null");
        ImageDecoder.Decoded d;
        if (input == Input.SPARK_IMAGE) {
            Row img = r.getStruct(at);
            if (where == null && img.schema() != null && SchemaChecks.has(img.schema(), "origin")) {
                where = img.getAs("origin");
            }
            d = ImageDecoder.fromInterleavedBgr(img.getAs("data"), img.<Integer>getAs("height"),
                    img.<Integer>getAs("width"), img.<Integer>getAs("nChannels"), resizeH, resizeW);
        } else {
            byte[] bytes;
            if (input == Input.HF_STRUCT) {
                Row s = r.getStruct(at);
                if (where == null && SchemaChecks.has(s.schema(), "path") && s.getAs("path") != null) where = s.getAs("path");
                bytes = s.getAs("bytes");
                if (bytes == null) return Example.failed(where, "column '" + inputColumn + "': the image bytes are null");
            } else {
                bytes = (byte[]) r.get(at);
            }
            try {
                d = ImageDecoder.decode(bytes, resizeH, resizeW);
            } catch (IOException e) {
                return Example.failed(where, "column '" + inputColumn + "': the image does not decode ("
                        + e.getMessage() + ")");
            }
        }
        return new Example(label, d.values(), null, d.channels(), d.height(), d.width(), d.alphaDropped(), where, null);
    }

    private Example features(Row r, int at, Object label, String where) {
        float[] v;
        switch (input) {
            case VECTOR -> {
                if (r.isNullAt(at)) return Example.failed(where, "column '" + inputColumn + "': the features are null");
                double[] a = ((Vector) r.get(at)).toArray();
                v = new float[a.length];
                for (int i = 0; i < a.length; i++) v[i] = (float) a[i];
            }
            case ARRAY -> {
                if (r.isNullAt(at)) return Example.failed(where, "column '" + inputColumn + "': the features are null");
                List<Object> a = r.getList(at);
                v = new float[a.size()];
                for (int i = 0; i < v.length; i++) {
                    if (a.get(i) == null) {
                        return Example.failed(where, "column '" + inputColumn + "': element " + i + " is null");
                    }
                    v[i] = ((Number) a.get(i)).floatValue();
                }
            }
            default -> {
                v = new float[columns.size() - at - (pathIndex >= 0 ? 1 : 0) - (idIndex >= 0 ? 1 : 0)];
                for (int i = 0; i < v.length; i++) {
                    if (r.isNullAt(at + i)) {
                        return Example.failed(where, "column '" + columns.get(at + i) + "': the value is null");
                    }
                    v[i] = ((Number) r.get(at + i)).floatValue();
                }
            }
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                String col = input == Input.COLUMNS ? columns.get(at + i) : inputColumn + "[" + i + "]";
                return Example.failed(where, "column '" + col + "': the value is " + v[i] + ", expected a finite number");
            }
        }
        return new Example(label, null, v, v.length, 1, 1, false, where, null);
    }
}
