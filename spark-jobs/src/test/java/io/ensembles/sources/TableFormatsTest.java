package io.ensembles.sources;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ensembles.config.SourceSpec;
import io.ensembles.data.ExampleSet;
import io.ensembles.jobs.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same rows as ORC, JSON and Parquet (array, ML Vector or numeric columns) read to the same examples. */
class TableFormatsTest {
    @TempDir
    static Path dir;

    static final TableReader.Target TRAINING = new TableReader.Target(List.of(), 0, null, RowDecoder.Labels.REQUIRED);

    @Test
    void orcJsonAndParquetGiveTheSameExamples() {
        SparkSession spark = TestSpark.get();
        StructType schema = new StructType().add("label", DataTypes.LongType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType)).add("a", DataTypes.DoubleType)
                .add("b", DataTypes.IntegerType).add("v", new VectorUDT());
        List<Row> rows = List.of(
                RowFactory.create(0L, List.of(1.5, -2.0), 1.5, -2, Vectors.dense(1.5, -2.0)),
                RowFactory.create(2L, List.of(0.25, 3.0), 0.25, 3, Vectors.dense(0.25, 3.0)),
                RowFactory.create(1L, List.of(7.0, 8.0), 7.0, 8, Vectors.sparse(2, new int[] {0, 1}, new double[] {7, 8})));
        Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1);
        String parquet = dir.resolve("t.parquet").toUri().toString();
        String orc = dir.resolve("t.orc").toUri().toString();
        String json = dir.resolve("t.json").toUri().toString();
        df.write().parquet(parquet);
        df.drop("v").write().orc(orc);
        df.drop("v").write().json(json);
        ExampleSet expected = TableReader.read(spark, source("parquet", parquet, "x", List.of()), TRAINING);
        assertEquals("2 features", expected.shape().toString());
        assertEquals(List.of("0", "1", "2"), expected.classNames(), "integer labels: 0 .. the largest");
        assertArrayEquals(new int[] {0, 2, 1}, expected.labels());
        for (ExampleSet got : List.of(
                TableReader.read(spark, source("parquet", parquet, "v", List.of()), TRAINING),
                TableReader.read(spark, source("parquet", parquet, "", List.of("a", "b")), TRAINING),
                TableReader.read(spark, source("orc", orc, "x", List.of()), TRAINING),
                TableReader.read(spark, source("json", json, "x", List.of()), TRAINING),
                TableReader.read(spark, source("json", json, "", List.of("a", "b")), TRAINING))) {
            assertEquals(expected.shape(), got.shape(), got.source());
            assertArrayEquals(expected.labels(), got.labels(), got.source());
            for (int i = 0; i < 3; i++) {
                for (int p = 0; p < 2; p++) assertEquals(expected.value(i, p), got.value(i, p), 0f, got.source());
            }
        }
    }

    static SourceSpec source(String format, String path, String features, List<String> columns) {
        return new SourceSpec("train", format, path, Map.of(), "label", "", features, columns);
    }
}
