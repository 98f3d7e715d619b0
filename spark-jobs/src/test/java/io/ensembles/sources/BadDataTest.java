package io.ensembles.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.cli.EnsembleCli;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.ImageDecoder;
import io.ensembles.jobs.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad data a table can hold fails the read with one line naming the source, the
 * column, the first offending row and what was expected; through the CLI, with a non-zero exit
 * and nothing written.
 */
class BadDataTest {
    @TempDir
    static Path dir;

    static final StructType FEATURES = new StructType().add("label", DataTypes.StringType)
            .add("x", DataTypes.createArrayType(DataTypes.DoubleType));

    static SourceSpec features(String path) {
        return new SourceSpec("train", "parquet", path, Map.of(), "label", "", "x", List.of());
    }

    static String table(String name, StructType schema, Row... rows) {
        String uri = dir.resolve(name).toUri().toString();
        SparkSession spark = TestSpark.get();
        spark.createDataFrame(List.of(rows), schema).coalesce(1).write().parquet(uri);
        return uri;
    }

    static String refused(SourceSpec s, List<String> classes) {
        TableReader.Target t = new TableReader.Target(List.of(), 0, classes, RowDecoder.Labels.REQUIRED);
        DataFormatException e = assertThrows(DataFormatException.class, () -> TableReader.read(TestSpark.get(), s, t));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("data.train (parquet at "), e.getMessage());
        return e.getMessage();
    }

    static Row r(String label, Double... x) {
        return RowFactory.create(label, x == null ? null : List.of(x));
    }

    @Test
    void aMissingColumn() {
        String t = table("missing", FEATURES, r("a", 1.0), r("b", 2.0));
        String m = refused(new SourceSpec("train", "parquet", t, Map.of(), "label", "", "features", List.of()), null);
        assertTrue(m.endsWith("has no column 'features' (columns: label, x)"), m);
        m = refused(new SourceSpec("train", "parquet", t, Map.of(), "class", "", "x", List.of()), null);
        assertTrue(m.contains("has no label column 'class'"), m);
    }

    @Test
    void aWrongColumnType() {
        String t = table("types", new StructType().add("label", DataTypes.DoubleType).add("x", DataTypes.StringType),
                RowFactory.create(1.0, "a"));
        String m = refused(new SourceSpec("train", "parquet", t, Map.of(), "label", "", "", List.of("x")), null);
        assertTrue(m.contains("label column 'label' is of type double, expected an integer or a string"), m);
        t = table("types2", new StructType().add("label", DataTypes.LongType).add("x", DataTypes.StringType),
                RowFactory.create(1L, "a"));
        m = refused(new SourceSpec("train", "parquet", t, Map.of(), "label", "", "", List.of("x")), null);
        assertTrue(m.contains("feature column 'x' is of type string, expected a number"), m);
        m = refused(new SourceSpec("train", "parquet", t, Map.of(), "label", "x", "", List.of()), null);
        assertTrue(m.contains("image column 'x' is of type string, expected binary"), m);
    }

    @Test
    void aNullLabelOrFeature() {
        String m = refused(features(table("nulls", FEATURES, r("a", 1.0), r(null, 2.0))), null);
        assertTrue(m.contains("row 1: column 'label': the label is null"), m);
        m = refused(features(table("nullx", FEATURES, r("a", 1.0), r("b", 2.0), r("a", (Double[]) null))), null);
        assertTrue(m.contains("row 2: column 'x': the features are null"), m);
    }

    @Test
    void arraysOfDifferentLengths() {
        String m = refused(features(table("lengths", FEATURES, r("a", 1.0, 2.0), r("b", 1.0, 2.0), r("a", 1.0))), null);
        assertTrue(m.contains("row 2: column 'x' has 1 features where row 0 has 2"), m);
    }

    @Test
    void nanOrInfiniteFeatures() {
        String m = refused(features(table("nan", FEATURES, r("a", 1.0), r("b", Double.NaN))), null);
        assertTrue(m.contains("row 1: column 'x[0]': the value is NaN, expected a finite number"), m);
        m = refused(features(table("inf", FEATURES, r("a", 1.0, Double.POSITIVE_INFINITY))), null);
        assertTrue(m.contains("row 0: column 'x[1]': the value is Infinity"), m);
    }

    static final StructType IMAGES = new StructType().add("label", DataTypes.LongType).add("image", DataTypes.BinaryType);

    static byte[] png(int h, int w) {
        return ImageDecoder.png(new ImageDecoder.Decoded(1, h, w, new byte[h * w], false));
    }

    @Test
    void anImageThatDoesNotDecode() {
        String t = table("undecodable", IMAGES, RowFactory.create(0L, png(4, 4)),
                RowFactory.create(1L, new byte[] {1, 2, 3}));
        String m = refused(new SourceSpec("train", "parquet", t, Map.of(), "label", "image", "", List.of()), null);
        assertTrue(m.contains("row 1: column 'image': the image does not decode"), m);
    }

    @Test
    void mixedImageSizesWithoutResize() {
        String t = table("mixed", IMAGES, RowFactory.create(0L, png(4, 4)), RowFactory.create(1L, png(5, 4)));
        SourceSpec s = new SourceSpec("train", "parquet", t, Map.of(), "label", "image", "", List.of());
        String m = refused(s, null);
        assertTrue(m.contains("row 1: column 'image' has an image of 1x5x4 image where row 0 has 1x4x4 image; set "
                + "data.image.resize = [H, W]"), m);
        var ok = TableReader.read(TestSpark.get(), s, new TableReader.Target(List.of(4, 4), 0, null,
                RowDecoder.Labels.REQUIRED));
        assertEquals("1x4x4 image", ok.shape().toString(), "resized, the same table reads");
    }

    @Test
    void aLabelTheEnsembleNeverSaw() {
        String t = table("unseen", FEATURES, r("a", 1.0), r("c", 2.0));
        String m = refused(features(t), List.of("a", "b"));
        assertTrue(m.contains("row 1: label 'c' is a class the ensemble never saw (classes: a, b)"), m);
    }

    /** Every training-time case through the CLI: exit 2, one error line naming the problem, no output folder. */
    @Test
    void theCliStopsTrainingWithOneLineAndWritesNothing() throws Exception {
        String features = table("cli-features", FEATURES, r("a", 1.0, 2.0), r("b", 1.0, 2.0), r(null, 1.0, 1.0));
        String ragged = table("cli-ragged", FEATURES, r("a", 1.0, 2.0), r("b", 1.0));
        String nan = table("cli-nan", FEATURES, r("a", 1.0), r("b", Double.NaN));
        String nullx = table("cli-nullx", FEATURES, r("a", 1.0), r("b", (Double[]) null));
        String typed = table("cli-types", new StructType().add("label", DataTypes.DoubleType).add("x",
                DataTypes.createArrayType(DataTypes.DoubleType)), RowFactory.create(1.0, List.of(1.0)));
        String undecodable = table("cli-undecodable", IMAGES, RowFactory.create(0L, png(4, 4)),
                RowFactory.create(1L, new byte[] {9, 9}));
        String mixed = table("cli-mixed", IMAGES, RowFactory.create(0L, png(4, 4)), RowFactory.create(1L, png(6, 6)));
        String[][] cases = {
            {features, "features-column = features", "has no column 'features' (columns: label, x)"},
            {typed, "features-column = x", "label column 'label' is of type double, expected an integer or a string"},
            {features, "features-column = x", "row 2: column 'label': the label is null"},
            {nullx, "features-column = x", "row 1: column 'x': the features are null"},
            {ragged, "features-column = x", "row 1: column 'x' has 1 features where row 0 has 2"},
            {nan, "features-column = x", "row 1: column 'x[0]': the value is NaN, expected a finite number"},
            {undecodable, "image-column = image", "row 1: column 'image': the image does not decode"},
            {mixed, "image-column = image", "has an image of 1x6x6 image where row 0 has 1x4x4 image"},
        };
        int n = 0;
        for (String[] c : cases) {
            Path conf = dir.resolve("bad" + n + ".conf");
            Files.writeString(conf, """
                    data.train { format = parquet, path = "%s", %s }
                    data.test = ${data.train}
                    model.architectures = [mlp]
                    """.formatted(c[0], c[1]));
            Path out = dir.resolve("never-written-" + n++);
            var run = io.ensembles.cli.EnsembleCliTest.run("train", "--config", conf.toString(), "--out", out.toString(),
                    "--in-spark");
            List<String> errors = run.err().lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(EnsembleCli.INVALID, run.code(), "exit 2: " + run.err());
            assertEquals(1, errors.size(), run.err());
            assertTrue(errors.get(0).startsWith("error: data.train (parquet at " + c[0] + "): "), errors.get(0));
            assertTrue(errors.get(0).contains(c[2]), errors.get(0));
            assertFalse(Files.exists(out), "nothing written for " + c[2]);
        }
    }
}
