package io.ensembles.sources;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.ConvertJob;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.ml.PredictJob;
import io.ensembles.jobs.TestSpark;
import io.ensembles.jobs.TrainJob;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fashion-MNIST as a Parquet table in the Hugging Face layout, written by {@code convert}: training
 * on it gives the members that training on the IDX files gives, and the scoring job meets its
 * contract on it. Also: an ensemble written in manifest format 1 still evaluates, to the same figures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FashionParquetTest {
    static final String FM = FashionMnist.URI;

    @TempDir
    static Path dir;
    static String trainTable;
    static String testTable;

    @BeforeAll
    static void convert() throws Exception {
        FashionMnist.requirePresent();
        SparkSession spark = TestSpark.get();
        trainTable = dir.resolve("fmnist-train").toUri().toString();
        testTable = dir.resolve("fmnist-test").toUri().toString();
        assertEquals(2000, ConvertJob.run(spark, "idx", FM + "train-images-idx3-ubyte.gz", FM + "train-labels-idx1-ubyte.gz",
                2000, trainTable));
        assertEquals(500, ConvertJob.run(spark, "idx", FM + "t10k-images-idx3-ubyte.gz", FM + "t10k-labels-idx1-ubyte.gz",
                500, testTable));
    }

    static final String TRAINING = """
            ensemble { name = "fm", members = 2, seed = 11 }
            data { limit = 2000, test-limit = 500, validation-fraction = 0.2 }
            model { architectures = [cnn], cnn { channels = [8, 16], dense = 32 } }
            training { epochs = 2, batch-size = 64 }
            evaluation { random-orders = 0 }
            """;

    static String parquetSources() {
        return """
                data.train { format = parquet, path = "%s", image-column = image }
                data.test { format = parquet, path = "%s", image-column = image }
                # the IDX files' split (a table is split by row hash unless told otherwise)
                data.split = permutation
                """.formatted(trainTable, testTable);
    }

    @Test
    @Order(1)
    void theConvertedTableHasTheHuggingFaceLayout() {
        Dataset<Row> t = TestSpark.get().read().parquet(trainTable);
        assertEquals("struct<image:struct<bytes:binary,path:string>,label:bigint>", t.schema().simpleString());
        assertEquals(2000, t.count());
    }

    @Test
    @Order(2)
    void trainingOnTheParquetTableGivesTheMembersOfTheIdxFiles() throws Exception {
        SparkSession spark = TestSpark.get();
        EnsembleConfig idx = EnsembleConfig.from(ConfigFactory.parseString(TRAINING), Map.of());
        EnsembleConfig parquet = EnsembleConfig.from(ConfigFactory.parseString(TRAINING + parquetSources()), Map.of());
        Manifest a = TrainJob.run(spark, idx, dir.resolve("from-idx").toUri().toString());
        Manifest b = TrainJob.run(spark, parquet, dir.resolve("from-parquet").toUri().toString());
        assertEquals(a.normalisation(), b.normalisation(), "the same pixels: the same statistics");
        assertEquals("parquet", b.input().format());
        assertEquals("image", b.input().columns().get("image"));
        assertEquals(a.shape(), b.shape());
        for (int k = 0; k < 2; k++) {
            MemberRecord x = a.members().get(k);
            MemberRecord y = b.members().get(k);
            assertEquals(x.validationAccuracy(), y.validationAccuracy(), 1e-9, "member " + k + " validation accuracy");
            assertEquals(x.validationNll(), y.validationNll(), 1e-5, "member " + k + " validation NLL");
        }
    }

    @Test
    @Order(3)
    void predictOnTheParquetTestTableMeetsTheContract() throws Exception {
        SparkSession spark = TestSpark.get();
        String ens = dir.resolve("from-parquet").toUri().toString();
        // the out-of-distribution set as a table too: scikit-learn's digits, converted
        String digits = dir.resolve("digits").toUri().toString();
        assertEquals(1797, ConvertJob.run(spark, "digits-csv", "file:///usr/share/datasets/sklearn-digits/digits.csv.gz",
                null, 0, digits));
        var report = EvaluateJob.run(spark, ens, EvaluationOptions.defaults().settings(Map.of(
                "data.ood.format", "parquet", "data.ood.path", digits, "data.ood.image-column", "image")));
        assertTrue(!report.ood().isEmpty(), "OOD detection rows from the digits table");
        String pred = dir.resolve("pred").toUri().toString();
        PredictJob.Result r = PredictJob.run(spark, ens, new PredictJob.Options(testTable, "parquet", Map.of(), pred,
                null, null, false, true));
        Dataset<Row> scored = spark.read().parquet(pred);
        assertEquals(500, r.rowsIn());
        assertEquals(500, scored.count(), "one row per input row");
        assertTrue(Arrays.asList(scored.columns()).contains("label"), "the kept columns: all but the image");
        assertTrue(!Arrays.asList(scored.columns()).contains("image"));
        ScoredRows.check(scored, io.ensembles.data.ExampleSet.numberedClasses(10), 2);
        // the threshold was fitted on these very rows at 95% TPR: about 5% of them are flagged
        double flagged = scored.filter("is_ood").count() / 500.0;
        assertTrue(flagged > 0.02 && flagged < 0.08, "share flagged OOD " + flagged);
        long right = scored.filter("prediction = label").count();
        assertTrue(right > 300, right + " of 500 right");
    }

    @Test
    @Order(4)
    void anEnsembleOfManifestFormat1StillEvaluatesToItsFigures() throws Exception {
        Path copy = dir.resolve("format1");
        Path fixture = Path.of("src/test/resources/fixtures/format1-ensemble");
        try (var files = Files.walk(fixture)) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(fixture.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(copy.toUri().toString())));
        assertEquals(1, m.formatVersion());
        assertEquals("1x28x28 image", m.shape().toString());
        assertEquals(10, m.classes());
        EvaluateJob.run(TestSpark.get(), copy.toUri().toString(), EvaluationOptions.defaults());
        JsonNode expected = Json.MAPPER.readTree(Files.readString(Path.of(
                "src/test/resources/fixtures/format1-expected-metrics.json")));
        JsonNode got = Json.MAPPER.readTree(Files.readString(copy.resolve("metrics.json")));
        for (String k : List.of("error", "nll", "calibratedNll", "ece", "brier")) {
            assertEquals(expected.at("/rows/0/" + k).asDouble(), got.at("/rows/0/" + k).asDouble(), 1e-6, k);
            int last = expected.get("rows").size() - 1;
            assertEquals(expected.at("/rows/" + last + "/" + k).asDouble(), got.at("/rows/" + last + "/" + k).asDouble(),
                    1e-6, k + " of the last row");
        }
        assertEquals(Files.readString(fixture.resolve("manifest.json")), Files.readString(copy.resolve("manifest.json")),
                "a format-1 manifest is not rewritten");
    }

    @Test
    @Order(5)
    void aTestTableReadByTheExecutorsScoresAsTheSameImagesReadOnTheDriver() throws Exception {
        SparkSession spark = TestSpark.get();
        String ens = dir.resolve("from-parquet").toUri().toString();
        // the table: executors read and cut it (120-row tasks, across its partitions); the IDX files: the driver does
        var table = EvaluateJob.run(spark, ens, EvaluationOptions.defaults().settings(Map.of("evaluation.rows-per-task", 120)).writingTo(dir.resolve("eval-table").toUri().toString()));
        var files = EvaluateJob.run(spark, ens, EvaluationOptions.defaults().settings(Map.of("evaluation.rows-per-task", 120, "data.test.format", "idx", "data.test.path",
                        FM + "t10k-images-idx3-ubyte.gz", "data.test.options.labels", FM + "t10k-labels-idx1-ubyte.gz"))
                .writingTo(
                dir.resolve("eval-files").toUri().toString()));
        // the same rows in 3 files: 3 partitions, each cut into tasks of its own (the metrics do not depend on order)
        String multi = dir.resolve("fmnist-test-3").toUri().toString();
        spark.read().parquet(testTable).repartition(3).write().parquet(multi);
        var three = EvaluateJob.run(spark, ens, EvaluationOptions.defaults().settings(Map.of("evaluation.rows-per-task", 120, "data.test.path", multi))
                .writingTo(dir.resolve("eval-3").toUri().toString()));
        assertEquals(files.rows().size(), table.rows().size());
        for (int i = 0; i < files.rows().size(); i++) {
            var a = files.rows().get(i);
            var c = three.rows().get(i);
            assertEquals(a.nll(), c.nll(), 1e-6, a.model() + " NLL, 3 partitions (other batches: float noise)");
            assertEquals(a.error(), c.error(), 1e-6, a.model() + " error, 3 partitions");
            var b = table.rows().get(i);
            assertEquals(a.model() + a.kind() + a.size(), b.model() + b.kind() + b.size());
            assertEquals(a.error(), b.error(), 1e-9, a.model() + " error");
            assertEquals(a.nll(), b.nll(), 1e-9, a.model() + " NLL");
            assertEquals(a.ece(), b.ece(), 1e-9, a.model() + " ECE");
            assertEquals(a.brier(), b.brier(), 1e-9, a.model() + " Brier");
        }
    }

    @Test
    @Order(6)
    void aTableIsSplitByRowHashTheSameInOneFileOrThree() throws Exception {
        SparkSession spark = TestSpark.get();
        String three = dir.resolve("fmnist-train-3").toUri().toString();
        spark.read().parquet(trainTable).repartition(3).write().parquet(three);
        String hocon = TRAINING + """
                data.train { format = parquet, path = "%s", image-column = image }
                data.test { format = parquet, path = "%s", image-column = image }
                """;
        var one = Inputs.training(spark, EnsembleConfig.from(ConfigFactory.parseString(hocon.formatted(trainTable,
                testTable)), Map.of()));
        var other = Inputs.training(spark, EnsembleConfig.from(ConfigFactory.parseString(hocon.formatted(three,
                testTable)), Map.of()));
        assertEquals(one.validation().size(), other.validation().size());
        assertEquals(sortedRows(one.validation()), sortedRows(other.validation()), "the same rows held out");
        assertEquals(one.normalisation().mean()[0], other.normalisation().mean()[0], 1e-12);
        assertEquals(400, one.validation().size(), 60, "about validation-fraction = 0.2 of 2000");
    }

    private static List<String> sortedRows(io.ensembles.data.ExampleSet d) {
        List<String> rows = new java.util.ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            StringBuilder b = new StringBuilder().append(d.label(i)).append(':');
            for (int p = 0; p < d.features(); p += 7) b.append(d.pixel(i, p)).append(',');
            rows.add(b.toString());
        }
        java.util.Collections.sort(rows);
        return rows;
    }
}
