package io.ensembles.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A data set given as a table ({@code data.train}, {@code data.test}, {@code data.ood}): any
 * format {@code spark.read.format()} takes (parquet, orc, csv, json, image, binaryFile, ...) or one of
 * the project's own readers ({@value #IDX}, {@value #DIGITS_CSV}), at a Hadoop URI, with the reader's
 * options, the label column, and where the input is: an image column (encoded PNG/JPEG bytes, a
 * Hugging Face {bytes, path} struct or Spark's image-source struct), one features column (array or
 * ML Vector) or a list of numeric columns; optionally an id column, whose values the validation
 * split hashes instead of the rows' content. {@code format = ""} means not configured.
 */
public record SourceSpec(String set, String format, String path, Map<String, String> options, String labelColumn,
                         String imageColumn, String featuresColumn, List<String> featureColumns, String idColumn)
        implements Serializable {
    public static final String IDX = "idx";
    public static final String DIGITS_CSV = "digits-csv";
    /** Formats whose input column needs no naming: Spark's image and binaryFile sources, and the project's readers. */
    public static final Set<String> IMPLIED_INPUT = Set.of("image", "binaryFile", IDX, DIGITS_CSV);

    public SourceSpec {
        options = Map.copyOf(options);
        featureColumns = List.copyOf(featureColumns);
        idColumn = idColumn == null ? "" : idColumn;
    }

    /** A source without an id column (its rows are split by the hash of their content). */
    public SourceSpec(String set, String format, String path, Map<String, String> options, String labelColumn,
                      String imageColumn, String featuresColumn, List<String> featureColumns) {
        this(set, format, path, options, labelColumn, imageColumn, featuresColumn, featureColumns, "");
    }

    /** Reader options ({@code data.train.options.header}) are free-form: any key the format takes. */
    static boolean isReaderOption(String key) {
        for (String set : List.of("train", "test", "ood")) {
            if (key.startsWith("data." + set + ".options.")) return true;
        }
        return false;
    }

    public boolean configured() {
        return !format.isEmpty();
    }

    /** Read by the project's own readers rather than by Spark SQL. */
    public boolean projectReader() {
        return IDX.equals(format) || DIGITS_CSV.equals(format);
    }

    /** The column that holds the image, with the defaults of Spark's image and binaryFile sources. */
    public String imageColumnOrDefault() {
        if (!imageColumn.isEmpty()) return imageColumn;
        return switch (format) {
            case "image" -> "image";
            case "binaryFile" -> "content";
            default -> "";
        };
    }

    /** Whether the examples are images (else tabular features). */
    public boolean images() {
        return !imageColumnOrDefault().isEmpty() || projectReader();
    }

    /** "data.train (parquet at hdfs://...)": how messages name a source. */
    public String describe() {
        return ("predict".equals(set) ? "the input" : "data." + set) + " (" + format + " at " + path + ")";
    }
}
