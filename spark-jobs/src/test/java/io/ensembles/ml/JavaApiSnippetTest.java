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
 * The Java snippet of docs/java-api.md, compiled and run here as a user's application would run it
 * (a plain SparkSession, the Estimator, then the Model): the test fails when the page's copy drifts
 * from this one.
 */
class JavaApiSnippetTest {
    @TempDir
    Path dir;

    @Test
    void theSnippetTrainsAndScores() throws Exception {
        TestSpark.get();
        String modelUri = dir.resolve("wine").toUri().toString();
        File confFile = new File("../conf/wine.conf");
        Map<String, Object> shorter = Map.of("ensemble.members", 2, "training.epochs", 15);
        // snippet:begin
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
        // snippet:end
        assertEquals(List.of("class_0", "class_1", "class_2"), fitted.classNames());
        assertEquals(rows.count(), scored.count());
        long right = scored.filter("predicted_label = label").count();
        assertTrue(right > 0.8 * rows.count(), right + " of " + rows.count());
    }

    @Test
    void thePageHoldsTheSameSnippet() throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/ensembles/ml/JavaApiSnippetTest.java"));
        String begin = "// snippet:begin";
        String snippet = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("        // snippet:end"));
        String page = Files.readString(Path.of("../docs/java-api.md"));
        int at = page.indexOf("<!-- java-api: spark-jobs/src/test/java/io/ensembles/ml/JavaApiSnippetTest.java -->");
        assertTrue(at >= 0, "docs/java-api.md marks its Java snippet");
        int from = page.indexOf("```java\n", at) + 8;
        String block = page.substring(from, page.indexOf("```", from));
        assertEquals(normalise(snippet), normalise(block), "the page's snippet = the tested one");
    }

    private static String normalise(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
