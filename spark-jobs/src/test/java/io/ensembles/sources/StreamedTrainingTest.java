package io.ensembles.sources;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.ConvertJob;
import io.ensembles.jobs.TestSpark;
import io.ensembles.jobs.TrainJob;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.ModelIO;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training table streamed by the member tasks (data.broadcast-max-mb = 0) against the same
 * table broadcast: the same split and normalisation, members of the same quality; the split does
 * not depend on how the table is cut into files; a killed member resumes to the very weights of
 * an undisturbed one; the local cache changes nothing but speed and is gone after the job.
 */
class StreamedTrainingTest {
    static final String FM = FashionMnist.URI;

    @TempDir
    static Path dir;
    static String oneFile;
    static String sixFiles;
    static String testTable;
    static String withIds;

    @BeforeAll
    static void tables() throws Exception {
        FashionMnist.requirePresent();
        SparkSession spark = TestSpark.get();
        String converted = dir.resolve("converted").toUri().toString();
        testTable = dir.resolve("test").toUri().toString();
        ConvertJob.run(spark, "idx", FM + "train-images-idx3-ubyte.gz", FM + "train-labels-idx1-ubyte.gz", 3000,
                converted);
        ConvertJob.run(spark, "idx", FM + "t10k-images-idx3-ubyte.gz", FM + "t10k-labels-idx1-ubyte.gz", 300, testTable);
        oneFile = dir.resolve("one").toUri().toString();
        sixFiles = dir.resolve("six").toUri().toString();
        // small row groups: a few dozen units to visit in a seeded order
        spark.read().parquet(converted).coalesce(1).write().option("parquet.block.size", 64 * 1024).parquet(oneFile);
        spark.read().parquet(converted).repartition(6).write().option("parquet.block.size", 64 * 1024)
                .parquet(sixFiles);
        withIds = dir.resolve("ids").toUri().toString();
        spark.read().parquet(converted).coalesce(1).withColumn("id", org.apache.spark.sql.functions.concat(
                org.apache.spark.sql.functions.lit("row-"), org.apache.spark.sql.functions.monotonically_increasing_id()))
                .write().option("parquet.block.size", 64 * 1024).parquet(withIds);
    }

    static final String NO_CACHE = "data { broadcast-max-mb = 0, local-cache = false }";

    static EnsembleConfig config(String table, String extra) {
        return EnsembleConfig.from(ConfigFactory.parseString("""
                ensemble { name = "streamed", members = 2, seed = 7 }
                data.train { format = parquet, path = "%s", image-column = image }
                data.test { format = parquet, path = "%s", image-column = image }
                data { validation-fraction = 0.2, shuffle-buffer = 500 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, batch-size = 64 }
                %s
                """.formatted(table, testTable, extra)), Map.of());
    }

    @Test
    void streamedAndBroadcastGiveTheSameSplitAndMembersOfTheSameQuality() throws Exception {
        Manifest broadcast = TrainJob.run(TestSpark.get(), config(oneFile, ""), dir.resolve("b").toUri().toString());
        Manifest streamed = TrainJob.run(TestSpark.get(), config(oneFile, "data.broadcast-max-mb = 0"),
                dir.resolve("s").toUri().toString());
        assertEquals("broadcast", broadcast.data().get("path"));
        assertEquals("streamed", streamed.data().get("path"));
        assertTrue(((Number) streamed.data().get("units")).intValue() > 5, "units: " + streamed.data().get("units"));
        // the same rows on each side of the split, and the same statistics of the training side
        assertEquals(broadcast.data().get("trainExamples"), streamed.data().get("trainExamples"));
        assertEquals(broadcast.data().get("validationExamples"), streamed.data().get("validationExamples"));
        assertEquals(broadcast.input().shape(), streamed.input().shape());
        assertEquals(broadcast.input().classNames(), streamed.input().classNames());
        assertArrayEquals(broadcast.input().normalisation().mean(), streamed.input().normalisation().mean(), 1e-9);
        assertArrayEquals(broadcast.input().normalisation().std(), streamed.input().normalisation().std(), 1e-9);
        double b = meanValidationNll(broadcast);
        double s = meanValidationNll(streamed);
        // other batches (a shuffle buffer, not a permutation): the same quality within seed noise
        assertTrue(Math.abs(b - s) < 0.08, "validation NLL broadcast " + b + " vs streamed " + s);
        assertTrue(s < 0.9, "streamed members learnt: validation NLL " + s);
        assertTrue(streamed.run().containsKey("driverPeakHeapMiB"));
    }

    @Test
    void theSplitAndStatisticsDoNotDependOnHowTheTableIsCut() throws Exception {
        SparkSession spark = TestSpark.get();
        // planned by hand, not by a job: no local cache, which the job would remove at its end
        StreamedTable one = StreamPlanner.plan(spark, config(oneFile, NO_CACHE), new long[] {5},
                Map.of(), dir.resolve("st1").toUri().toString(), "t1");
        StreamedTable six = StreamPlanner.plan(spark, config(sixFiles, NO_CACHE), new long[] {5},
                Map.of(), dir.resolve("st6").toUri().toString(), "t6");
        assertEquals(3000, one.rows());
        assertEquals(one.trainRows(), six.trainRows());
        assertEquals(one.validationRows(), six.validationRows());
        assertArrayEquals(one.stats.validationLabels(), six.stats.validationLabels());
        assertArrayEquals(one.normalisation().mean(), six.normalisation().mean(), 1e-12);
        assertArrayEquals(one.normalisation().std(), six.normalisation().std(), 1e-12);
        assertTrue(six.units().size() >= 6, "six files: " + six.units().size() + " units");
        assertEquals(one.baggedRows(5), six.baggedRows(5));
        // the streaming bootstrap: Poisson(1) weights of mean 1 (n +- 3 sqrt(n))
        double n = one.trainRows();
        assertTrue(Math.abs(one.baggedRows(5) - n) < 3 * Math.sqrt(n), one.baggedRows(5) + " bagged of " + n);
        // about the configured share held out
        assertEquals(0.2, one.validationRows() / 3000.0, 0.03);
    }

    @Test
    void aBadRowOfAStreamedTableStopsTheJobInOneLineAndWritesNothing() throws Exception {
        SparkSession spark = TestSpark.get();
        var good = spark.read().parquet(oneFile);
        org.apache.spark.sql.Row image = good.first().getStruct(good.schema().fieldIndex("image"));
        Object[] cells = new Object[good.schema().size()];
        for (int i = 0; i < cells.length; i++) {
            String name = good.schema().fieldNames()[i];
            cells[i] = name.equals("image") ? org.apache.spark.sql.RowFactory.create(new byte[] {1, 2, 3}, "broken.png")
                    : name.equals("label") ? 3L : null;
        }
        if (image == null) throw new IllegalStateException("no image struct");
        String bad = dir.resolve("bad").toUri().toString();
        good.union(spark.createDataFrame(java.util.List.of(org.apache.spark.sql.RowFactory.create(cells)), good.schema()))
                .coalesce(1).write().parquet(bad);
        String out = dir.resolve("bad-ensemble").toUri().toString();
        io.ensembles.data.DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.ensembles.data.DataFormatException.class,
                () -> TrainJob.run(spark, config(bad, "data.broadcast-max-mb = 0"), out));
        assertTrue(e.getMessage().contains("row 3000 of ") && e.getMessage().contains("(broken.png)")
                && e.getMessage().contains("does not decode"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertFalse(Fs.exists(out), "nothing written");
        try (var left = Files.list(dir)) {
            assertFalse(left.anyMatch(f -> f.getFileName().toString().startsWith(".bad-ensemble.staging")),
                    "the staging folder is removed");
        }
    }

    @Test
    void anIdColumnSplitsByTheIdsOnBothPaths() throws Exception {
        SparkSession spark = TestSpark.get();
        String ids = "data.train.id-column = id";
        StreamedTable streamed = StreamPlanner.plan(spark, config(withIds, ids + "\n" + NO_CACHE),
                new long[0], Map.of(), dir.resolve("sti").toUri().toString(), "ti");
        var broadcast = Inputs.training(spark, config(withIds, ids));
        // the split is the ids' own: as many rows held out as ids hash below the fraction
        long seed = config(withIds, ids).data().splitSeed();
        long expected = spark.read().parquet(withIds).select("id").collectAsList().stream()
                .filter(r -> io.ensembles.data.TrainingData.unitOf(io.ensembles.data.TrainingData.keyHash(seed,
                        io.ensembles.data.TrainingData.idKey(r.getString(0)))) < 0.2).count();
        assertEquals(expected, streamed.validationRows());
        assertEquals(expected, broadcast.validation().size());
        assertEquals(3000 - expected, broadcast.train().size());
        assertArrayEquals(broadcast.normalisation().mean(), streamed.normalisation().mean(), 1e-9);
        // and not the content's split
        StreamedTable byContent = StreamPlanner.plan(spark, config(withIds, NO_CACHE), new long[0],
                Map.of(), dir.resolve("stc").toUri().toString(), "tc");
        assertTrue(byContent.validationRows() != expected || !java.util.Arrays.equals(
                byContent.stats.validationLabels(), streamed.stats.validationLabels()), "the id changed the split");
    }

    @Test
    void aKilledStreamedMemberResumesToTheWeightsOfAnUndisturbedOne() throws Exception {
        String undisturbed = dir.resolve("u").toUri().toString();
        String killed = dir.resolve("k").toUri().toString();
        Manifest u = TrainJob.run(TestSpark.get(), config(sixFiles, "data.broadcast-max-mb = 0, training.epochs = 3"),
                undisturbed);
        Manifest k = TrainJob.run(TestSpark.get(), config(sixFiles, """
                data.broadcast-max-mb = 0, training.epochs = 3
                debug { fail-member = 1, fail-after-epoch = 1 }
                """), killed);
        MemberRecord retried = k.members().get(1);
        assertEquals(2, retried.attempts());
        assertEquals(1, retried.resumedFromEpoch());
        assertArrayEquals(params(undisturbed, u.members().get(1)), params(killed, retried));
        assertArrayEquals(params(undisturbed, u.members().get(0)), params(killed, k.members().get(0)));
    }

    @Test
    void dataParallelTrainingReadsTheRowGroupsOnTheWorkers() throws Exception {
        String dp = """
                ensemble.members = 1
                training { data-parallel = true }
                snapshot { averaging-frequency = 4, workers = 2 }
                """;
        Manifest b = TrainJob.run(TestSpark.get(), config(sixFiles, dp), dir.resolve("dpb").toUri().toString());
        Manifest s = TrainJob.run(TestSpark.get(), config(sixFiles, dp + "data.broadcast-max-mb = 0"),
                dir.resolve("dps").toUri().toString());
        assertEquals("data-parallel", s.run().get("mode"));
        assertEquals("streamed", s.data().get("path"));
        assertEquals("broadcast", b.data().get("path"));
        MemberRecord streamed = s.members().get(0);
        assertTrue(streamed.completed());
        // the workers followed the schedule, and the member learnt as the broadcast run's did
        @SuppressWarnings("unchecked")
        Map<String, Object> rates = (Map<String, Object>) s.run().get("workerRates");
        assertTrue(((Number) rates.get("maxDeviationFromSchedule")).doubleValue() < 1e-6, rates.toString());
        assertEquals(((java.util.List<?>) b.run().get("rounds")).size(), ((java.util.List<?>) s.run().get("rounds")).size());
        double nb = b.members().get(0).validationNll();
        double ns = streamed.validationNll();
        assertTrue(Math.abs(nb - ns) < 0.1 && ns < 0.9, "validation NLL broadcast " + nb + " vs streamed " + ns);
    }

    @Test
    void theLocalCacheChangesNothingButSpeedAndIsRemovedAfterTheJob() throws Exception {
        String plain = dir.resolve("p").toUri().toString();
        String cached = dir.resolve("c").toUri().toString();
        Manifest p = TrainJob.run(TestSpark.get(), config(oneFile, """
                data { broadcast-max-mb = 0, local-cache = false }
                ensemble.bagging = true
                """), plain);
        Manifest c = TrainJob.run(TestSpark.get(), config(oneFile, """
                data { broadcast-max-mb = 0, local-cache = true }
                ensemble.bagging = true
                """), cached);
        assertEquals("true", c.data().get("localCache"));
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(params(plain, p.members().get(i)), params(cached, c.members().get(i)));
        }
        Path scratch = Path.of(org.apache.spark.SparkFiles.getRootDirectory());
        try (var left = Files.list(scratch)) {
            assertFalse(left.anyMatch(f -> f.getFileName().toString().startsWith("ensembles-stream-")),
                    "local copies left in " + scratch);
        }
    }

    @Test
    void theAutomaticCacheLeavesATenthOfTheDiskAndAGibibyteFree() {
        long gib = 1L << 30;
        assertTrue(UnitRows.roomFor(100 << 20, 50 * gib, 100 * gib));
        assertFalse(UnitRows.roomFor(100 << 20, 10 * gib, 100 * gib), "a tenth of the disk stays free");
        assertFalse(UnitRows.roomFor(100 << 20, gib, 4 * gib), "and at least 1 GiB");
        assertTrue(UnitRows.roomFor(100 << 20, 2 * gib, 4 * gib));
    }

    /** A stored member's weights, to compare exactly (INDArray.equals allows a tolerance). */
    static float[] params(String out, MemberRecord r) throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        ComputationGraph net = ModelIO.fromBytes(Fs.readAll(layout.resolve(r.path())), false);
        return net.params().data().asFloat();
    }

    static double meanValidationNll(Manifest m) {
        return m.members().stream().mapToDouble(MemberRecord::validationNll).average().orElseThrow();
    }
}
