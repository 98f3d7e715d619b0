package io.ensembles.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.TestSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java snippet, compiled and run here as a user's application would run it (a plain
 * SparkSession, the Estimator, then the Model): the test fails when the README's copy drifts from this one.
 */
class ReadmeSnippetTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeSnippetTrainsAndScores() throws Exception {
        TestSpark.get();
        String modelUri = dir.resolve("wine").toUri().toString();
        File confFile = new File("../conf/wine.conf");
        Map<String, Object> shorter = Map.of("ensemble.members", 2, "training.epochs", 15);
        // README:begin
        SparkSession spark = SparkSession.builder().getOrCreate();
        Dataset<Row> train = spark.read().option("header", "true").option("inferSchema", "true")
                .csv("file:///usr/share/datasets/sklearn-tabular/wine-train.csv");
        List<String> features = Arrays.stream(train.columns()).filter(c -> c.startsWith("f")).toList();
        EnsembleConfig config = EnsembleConfig.load(confFile, shorter);
        EnsembleModel fitted = new EnsembleEstimator(config, modelUri).setFeatureCols(features).fit(train);

        // later, in another job: score new rows, every input column kept
        Dataset<Row> rows = spark.read().option("header", "true").option("inferSchema", "true")
                .csv("file:///usr/share/datasets/sklearn-tabular/wine-test.csv");
        Dataset<Row> scored = EnsembleModel.load(modelUri).transform(rows);
        scored.select("label", "predicted_label", "confidence", "entropy", "mutual_information").show(5);
        // README:end
        assertEquals(List.of("class_0", "class_1", "class_2"), fitted.classNames());
        assertEquals(rows.count(), scored.count());
        long right = scored.filter("predicted_label = label").count();
        assertTrue(right > 0.8 * rows.count(), right + " of " + rows.count());
    }

    @Test
    void theReadmeHoldsTheSameSnippet() throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/ensembles/ml/ReadmeSnippetTest.java"));
        String snippet = source.substring(source.indexOf("// README:begin") + 15, source.indexOf("        // README:end"));
        String readme = Files.readString(Path.of("../README.md"));
        int at = readme.indexOf("<!-- java-api: spark-jobs/src/test/java/io/ensembles/ml/ReadmeSnippetTest.java -->");
        assertTrue(at >= 0, "the README marks its Java snippet");
        int from = readme.indexOf("```java\n", at) + 8;
        String block = readme.substring(from, readme.indexOf("```", from));
        assertEquals(normalise(snippet), normalise(block), "README's snippet = the tested one");
    }

    private static String normalise(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
