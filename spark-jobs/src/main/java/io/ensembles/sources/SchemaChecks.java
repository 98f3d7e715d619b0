package io.ensembles.sources;

import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The checks of a table's schema against a source's columns, made once on the driver before any
 * row is read: each wrong or missing column is one message naming the column, its type and what
 * was expected.
 */
final class SchemaChecks {
    private SchemaChecks() {}

    /** The input's layout, its column(s), and how messages name them. */
    record InputColumns(RowDecoder.Input input, List<String> columns, String name) {}

    /**
     * Whether the label column holds strings (true) or integers (false), or null when no label is
     * read: absent where optional, or ignored. A required label must be there.
     */
    static Boolean label(StructType schema, String src, String lc, RowDecoder.Labels labels) {
        boolean hasLabel = !lc.isEmpty() && has(schema, lc);
        if (labels == RowDecoder.Labels.REQUIRED && !hasLabel) {
            throw new DataFormatException(src, "has no label column '" + lc + "' (columns: " + names(schema) + ")");
        }
        if (!hasLabel || labels == RowDecoder.Labels.IGNORED) return null;
        DataType t = schema.apply(lc).dataType();
        if (t instanceof StringType) return true;
        if (!isIntegral(t)) {
            throw new DataFormatException(src, "label column '" + lc + "' is of type " + t.simpleString()
                    + ", expected an integer or a string");
        }
        return false;
    }

    /** The input: an image column, a features column (array or Vector), or numeric feature columns. */
    static InputColumns input(StructType schema, String src, SourceSpec spec) {
        String ic = spec.imageColumnOrDefault();
        if (!ic.isEmpty()) return new InputColumns(imageInput(schema, src, ic), List.of(ic), ic);
        if (!spec.featuresColumn().isEmpty()) {
            String fc = spec.featuresColumn();
            DataType t = column(schema, src, fc).dataType();
            if (t instanceof VectorUDT) return new InputColumns(RowDecoder.Input.VECTOR, List.of(fc), fc);
            if (t instanceof ArrayType a && a.elementType() instanceof NumericType) {
                return new InputColumns(RowDecoder.Input.ARRAY, List.of(fc), fc);
            }
            throw new DataFormatException(src, "features column '" + fc + "' is of type " + t.simpleString()
                    + ", expected array<float>, array<double> or a Spark ML Vector");
        }
        for (String f : spec.featureColumns()) {
            DataType t = column(schema, src, f).dataType();
            if (!(t instanceof NumericType)) {
                throw new DataFormatException(src, "feature column '" + f + "' is of type " + t.simpleString()
                        + ", expected a number");
            }
        }
        return new InputColumns(RowDecoder.Input.COLUMNS, spec.featureColumns(), String.join(",", spec.featureColumns()));
    }

    static RowDecoder.Input imageInput(StructType schema, String src, String ic) {
        DataType t = column(schema, src, ic).dataType();
        if (t instanceof BinaryType) return RowDecoder.Input.ENCODED;
        if (t instanceof StructType st) {
            if (has(st, "bytes") && st.apply("bytes").dataType() instanceof BinaryType) return RowDecoder.Input.HF_STRUCT;
            if (has(st, "data") && has(st, "height") && has(st, "width") && has(st, "nChannels")) return RowDecoder.Input.SPARK_IMAGE;
        }
        throw new DataFormatException(src, "image column '" + ic + "' is of type " + t.simpleString() + ", expected "
                + "binary (PNG/JPEG bytes), struct<bytes: binary, path: string> (Hugging Face) or Spark's image struct");
    }

    static StructField column(StructType schema, String src, String name) {
        if (!has(schema, name)) {
            throw new DataFormatException(src, "has no column '" + name + "' (columns: " + names(schema) + ")");
        }
        return schema.apply(name);
    }

    static boolean has(StructType schema, String name) {
        return Arrays.asList(schema.fieldNames()).contains(name);
    }

    static String names(StructType schema) {
        return String.join(", ", schema.fieldNames());
    }

    static boolean isIntegral(DataType t) {
        return t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
    }
}
