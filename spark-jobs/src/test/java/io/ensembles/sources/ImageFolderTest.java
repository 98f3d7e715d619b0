package io.ensembles.sources;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.IdxReader;
import io.ensembles.data.ImageDecoder;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.ml.PredictJob;
import io.ensembles.jobs.TestSpark;
import io.ensembles.jobs.TrainJob;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Colour images in a folder of PNG files ({@code label=<class>/<n>.png}, read with Spark's
 * binaryFile source): Fashion-MNIST tinted by a seeded colour per image and resized to 32x32,
 * generated here. C = 3 through train, evaluate and predict; small images (8x8) by resizing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageFolderTest {
    static final List<String> NAMES = List.of("tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "boot");

    @TempDir
    static Path dir;
    static Path train;
    static Path test;
    static String ens;

    /** Writes {@code n} tinted 32x32 RGB PNGs of Fashion-MNIST images {@code from..} into {@code folder}/label=name/. */
    static void tinted(Path folder, int from, int n) throws Exception {
        ExampleSet fm = IdxReader.read(FashionMnist.URI + "t10k-images-idx3-ubyte.gz",
                FashionMnist.URI + "t10k-labels-idx1-ubyte.gz", 10, from + n);
        for (int i = from; i < from + n; i++) {
            Random rnd = new Random(1000 + i);
            double[] tint = {0.3 + 0.7 * rnd.nextDouble(), 0.3 + 0.7 * rnd.nextDouble(), 0.3 + 0.7 * rnd.nextDouble()};
            byte[] rgb = new byte[3 * 784];
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 784; p++) rgb[c * 784 + p] = (byte) Math.round(fm.pixel(i, p) * tint[c]);
            }
            byte[] png28 = ImageDecoder.png(new ImageDecoder.Decoded(3, 28, 28, rgb, false));
            byte[] png32 = ImageDecoder.png(ImageDecoder.decode(png28, 32, 32));
            Path to = folder.resolve("label=" + NAMES.get(fm.label(i))).resolve(String.format("%05d.png", i));
            Files.createDirectories(to.getParent());
            Files.write(to, png32);
        }
    }

    static String sources(String extra) {
        return """
                ensemble { name = "rgb", members = 2, seed = 5 }
                data {
                  train { format = binaryFile, path = "%s", options { pathGlobFilter = "*.png" } }
                  test { format = binaryFile, path = "%s", options { pathGlobFilter = "*.png" } }
                  validation-fraction = 0.2
                }
                model { architectures = [cnn], cnn { channels = [8, 16], dense = 32 } }
                training { epochs = 2, batch-size = 32 }
                evaluation { random-orders = 0 }
                """.formatted(train.toUri(), test.toUri()) + extra;
    }

    @BeforeAll
    static void generate() throws Exception {
        train = dir.resolve("train");
        test = dir.resolve("test");
        tinted(train, 0, 800);
        tinted(test, 800, 200);
    }

    @Test
    @Order(1)
    void aColourEnsembleTrainsEvaluatesAndScoresFromPngFiles() throws Exception {
        SparkSession spark = TestSpark.get();
        ens = dir.resolve("ens").toUri().toString();
        Manifest m = TrainJob.run(spark, EnsembleConfig.from(ConfigFactory.parseString(sources("")), Map.of()), ens);
        assertEquals("3x32x32 image", m.shape().toString());
        assertEquals(NAMES.stream().sorted().toList(), m.input().classNames(), "folder names as classes, sorted");
        assertEquals(3, m.normalisation().groups(), "per channel");
        assertEquals(2, m.completedMembers().size());
        var report = EvaluateJob.run(spark, ens, EvaluationOptions.defaults());
        var ensemble = report.rows().stream().filter(r -> r.kind().equals("ensemble") && r.size() == 2).findFirst()
                .orElseThrow();
        assertTrue(ensemble.error() < 0.6, "better than chance (0.9): " + ensemble.error());
        String pred = dir.resolve("pred").toUri().toString();
        PredictJob.run(spark, ens, new PredictJob.Options(test.toUri().toString(), "binaryFile",
                Map.of("pathGlobFilter", "*.png"), pred, null, null, true, false));
        Dataset<Row> scored = spark.read().parquet(pred);
        assertEquals(200, scored.count());
        assertTrue(Arrays.asList(scored.columns()).containsAll(List.of("path", "label", "length")),
                Arrays.toString(scored.columns()));
        ScoredRows.check(scored, m.input().classNames(), 2);
        assertTrue(scored.filter("predicted_label = label").count() > 60, "better than chance");
    }

    @Test
    @Order(2)
    void sparksImageSourceReadsTheSamePixels() {
        SparkSession spark = TestSpark.get();
        SourceSpec bin = new SourceSpec("test", "binaryFile", test.toUri().toString(), Map.of("pathGlobFilter", "*.png"),
                "label", "", "", List.of());
        SourceSpec img = new SourceSpec("test", "image", test.toUri().toString(), Map.of("pathGlobFilter", "*.png"),
                "label", "", "", List.of());
        TableReader.Target t = new TableReader.Target(List.of(), 0, null, RowDecoder.Labels.REQUIRED);
        ExampleSet a = TableReader.read(TableReader.load(spark, bin).orderBy("path"), bin, t);
        ExampleSet b = TableReader.read(TableReader.load(spark, img).orderBy("image.origin"), img, t);
        assertEquals(a.shape(), b.shape());
        assertArrayEquals(a.labels(), b.labels());
        for (int i = 0; i < a.size(); i += 37) {
            for (int p = 0; p < a.features(); p += 101) assertEquals(a.pixel(i, p), b.pixel(i, p), "image " + i + " value " + p);
        }
    }

    @Test
    @Order(3)
    void smallImagesByResizingAndTheScoringInputIsResizedAlike() throws Exception {
        SparkSession spark = TestSpark.get();
        String small = dir.resolve("small").toUri().toString();
        Manifest m = TrainJob.run(spark, EnsembleConfig.from(ConfigFactory.parseString(sources(
                "ensemble.members = 1\ntraining { epochs = 2, collapse-margin = 0 }\ndata.image.resize = [8, 8]")), Map.of()), small);
        assertEquals("3x8x8 image", m.shape().toString());
        assertEquals(List.of(8, 8), m.input().columns().get("resize"));
        String pred = dir.resolve("pred-small").toUri().toString();
        PredictJob.run(spark, small, new PredictJob.Options(test.toUri().toString(), "binaryFile",
                Map.of("pathGlobFilter", "*.png"), pred, null, List.of("path"), false, false));
        assertEquals(200, spark.read().parquet(pred).count());
    }

    @Test
    @Order(4)
    void dataOfAnotherShapeIsRefusedNamingBothShapes() throws Exception {
        EnsembleConfig rgb = EnsembleConfig.from(ConfigFactory.parseString(sources("")), Map.of());
        Manifest grey = Manifest.read(new EnsembleLayout(Fs.qualify(
                Path.of("src/test/resources/fixtures/format1-ensemble").toUri().toString())));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Inputs.test(TestSpark.get(), rgb, grey.input()));
        assertTrue(e.getMessage().contains("has examples of 3x32x32 image but the models expect 1x28x28 image"),
                e.getMessage());
        // scoring refuses them too, from the first row, before any task runs and with nothing written
        String pred = dir.resolve("pred-grey").toUri().toString();
        e = assertThrows(DataFormatException.class, () -> PredictJob.run(TestSpark.get(),
                Path.of("src/test/resources/fixtures/format1-ensemble").toUri().toString(), new PredictJob.Options(
                        test.toUri().toString(), "binaryFile", Map.of("pathGlobFilter", "*.png"), pred, null, null,
                        false, false)));
        assertTrue(e.getMessage().startsWith("the input (binaryFile at "), e.getMessage());
        assertTrue(e.getMessage().contains("has an example of 3x32x32 image but the models expect 1x28x28 image"),
                e.getMessage());
        assertTrue(!Files.exists(dir.resolve("pred-grey")), "nothing written");
    }
}
