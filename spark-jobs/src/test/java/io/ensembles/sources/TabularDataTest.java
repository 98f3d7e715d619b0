package io.ensembles.sources;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.ml.PredictJob;
import io.ensembles.jobs.TestSpark;
import io.ensembles.jobs.TrainJob;
import io.ensembles.ml.EnsembleModel;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Manifest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
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
 * A deep ensemble of MLPs on a real table: scikit-learn's breast-cancer CSV (569 x 30, string
 * labels), read through Spark SQL; then evaluation, the scoring job on the same rows without
 * their labels, and the Java API from a plain SparkSession.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TabularDataTest {
    static final String TABULAR = "/usr/share/datasets/sklearn-tabular/";

    @TempDir
    static Path dir;
    static String out;
    static Manifest manifest;

    /** The breast-cancer test rows, labelled, as a user's job would read the CSV. */
    static Dataset<Row> testRows(SparkSession spark) {
        return spark.read().option("header", "true").option("inferSchema", "true").csv(TABULAR + "breast_cancer-test.csv");
    }

    @BeforeAll
    static void train() throws Exception {
        assertTrue(new File(TABULAR + "breast_cancer-train.csv").isFile(), "run submit/setup for the tabular tables");
        // conf/breast-cancer.conf, shorter
        EnsembleConfig config = EnsembleConfig.load(new File("../conf/breast-cancer.conf"), Map.of(
                "ensemble.members", 3, "training.epochs", 12));
        out = dir.resolve("bc").toUri().toString();
        manifest = TrainJob.run(TestSpark.get(), config, out);
    }

    @Test
    @Order(1)
    void theManifestRecordsTheTableInput() {
        Manifest.Input in = manifest.input();
        assertEquals(2, manifest.formatVersion());
        assertEquals("csv", in.format());
        assertEquals(List.of("benign", "malignant"), in.classNames(), "string labels, sorted");
        assertEquals("30 features", in.shape().toString());
        assertEquals(30, in.normalisation().groups(), "one standardisation per feature");
        assertEquals(30, ((List<?>) in.columns().get("featureColumns")).size());
        assertEquals(3, manifest.completedMembers().size());
        assertTrue(((Number) manifest.run().get("driverPeakHeapMiB")).doubleValue() > 1, "the driver's peak heap is recorded");
        for (var r : manifest.completedMembers()) assertTrue(r.validationAccuracy() > 0.85, r.id() + " " + r.validationAccuracy());
    }

    @Test
    @Order(2)
    void evaluationScoresTheTestTableAndFitsTheScoringSettings() throws Exception {
        EvaluationReport r = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        EvaluationReport.Row ens = r.rows().stream().filter(x -> x.kind().equals("ensemble") && x.size() == 3)
                .findFirst().orElseThrow();
        assertTrue(ens.error() < 0.1, "ensemble error " + ens.error());
        Manifest.Scoring s = Manifest.read(new EnsembleLayout(io.ensembles.fs.Fs.qualify(out))).scoring();
        assertNotNull(s, "the evaluation stores the scoring settings");
        assertEquals(0.95, s.oodTpr());
        assertTrue(s.temperature() > 0 && s.oodThreshold() >= 0, s.toString());
    }

    @Test
    @Order(3)
    void predictOnAnUnlabelledCsvGivesOneRowPerInputWithConsistentScores() throws Exception {
        SparkSession spark = TestSpark.get();
        String unlabelled = dir.resolve("unlabelled").toUri().toString();
        Dataset<Row> test = testRows(spark);
        test.drop("label").write().option("header", "true").csv(unlabelled);
        String pred = dir.resolve("pred").toUri().toString();
        PredictJob.Result res = PredictJob.run(spark, out, new PredictJob.Options(unlabelled, "csv",
                Map.of("header", "true", "inferSchema", "true"), pred, null, List.of("f0", "f1"), true, false));
        assertEquals(test.count(), res.rowsIn());
        Dataset<Row> scored = spark.read().parquet(pred);
        assertEquals(test.count(), scored.count(), "row count in = row count out");
        assertTrue(Arrays.asList(scored.columns()).containsAll(List.of("f0", "f1", "probability", "prediction",
                "predicted_label", "confidence", "entropy", "mutual_information", "disagreement", "ood_score", "is_ood",
                EnsembleModel.MEMBER_PROBABILITIES)), Arrays.toString(scored.columns()));
        assertFalse(Arrays.asList(scored.columns()).contains("f2"), "only the kept columns");
        ScoredRows.check(scored, List.of("benign", "malignant"), 3);
    }

    @Test
    @Order(4)
    void theJavaApiScoresADataFrameAndSparkMlReadsThePrediction() {
        SparkSession spark = TestSpark.get();
        // a user's application: labelled rows in, Spark ML's evaluator on the output
        Dataset<Row> test = testRows(spark);
        EnsembleModel model = EnsembleModel.load(out);
        Dataset<Row> scored = model.transform(test);
        assertEquals(test.count(), scored.count());
        // class indices follow the sorted class names, as StringIndexer's alphabetAsc order does
        Dataset<Row> indexed = new StringIndexer().setInputCol("label").setOutputCol("label_index")
                .setStringOrderType("alphabetAsc").fit(scored).transform(scored);
        double accuracy = new MulticlassClassificationEvaluator().setLabelCol("label_index")
                .setPredictionCol("prediction").setMetricName("accuracy").evaluate(indexed);
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        assertTrue(Arrays.asList(scored.columns()).contains("label"), "every non-input column is kept by default");
        // Spark ML parameters: listed, and set through a ParamMap as in a pipeline
        assertTrue(model.explainParams().contains("keepColumns"), model.explainParams());
        org.apache.spark.ml.param.ParamMap only = new org.apache.spark.ml.param.ParamMap()
                .put(model.keepColumns(), new String[] {"label"});
        Dataset<Row> narrow = model.transform(test, only);
        assertEquals("label", narrow.columns()[0]);
        assertEquals(1 + EnsembleModel.OUTPUTS.size(), narrow.columns().length, Arrays.toString(narrow.columns()));
    }

    @Test
    @Order(5)
    void evaluatingATableWithAClassTheEnsembleNeverSawStopsWithOneLine() throws Exception {
        SparkSession spark = TestSpark.get();
        String odd = dir.resolve("odd-label").toUri().toString();
        Dataset<Row> test = testRows(spark);
        test.withColumn("label", org.apache.spark.sql.functions.when(
                        org.apache.spark.sql.functions.monotonically_increasing_id().equalTo(3), "borderline")
                .otherwise(test.col("label")))
                .coalesce(1).write().option("header", "true").csv(odd);
        Path folder = Path.of(java.net.URI.create(io.ensembles.fs.Fs.qualify(out)));
        String before = Files.readString(folder.resolve("manifest.json")) + Files.readString(folder.resolve("metrics.json"));
        var run = io.ensembles.cli.EnsembleCliTest.run("evaluate", "--ensemble", out, "--set", "data.test.path=" + odd,
                "--in-spark");
        int code = run.code();
        List<String> errors = run.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(io.ensembles.cli.EnsembleCli.INVALID, code, run.err());
        assertEquals(1, errors.size(), run.err());
        assertTrue(errors.get(0).contains("row 3: label 'borderline' is a class the ensemble never saw (classes: benign, "
                + "malignant)"), errors.get(0));
        assertEquals(before, Files.readString(folder.resolve("manifest.json"))
                + Files.readString(folder.resolve("metrics.json")), "the ensemble's files are unchanged");
    }
}
