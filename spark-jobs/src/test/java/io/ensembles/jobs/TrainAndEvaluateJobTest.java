package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.IntegrityException;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The training and evaluation jobs in real Spark local[2], on a Fashion-MNIST slice, real files. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainAndEvaluateJobTest {
    @TempDir
    static Path dir;

    static EnsembleConfig config;
    static Manifest manifest;
    static String out;

    @BeforeAll
    static void trainThreeMembers() throws Exception {
        config = FashionMnist.config(FashionMnist.SLICE + """
                ensemble { name = "test3", members = 3, seed = 7 }
                model { architectures = [cnn], cnn { channels = [8, 16], dense = 64 } }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05 }
                """);
        out = dir.resolve("ens").toUri().toString();
        manifest = TrainJob.run(TestSpark.get(), config, out);
    }

    @Test
    @Order(1)
    void manifestListsThreeVerifiedMembersWithDistinctSeeds() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        Manifest read = Manifest.read(layout);
        assertEquals(3, read.members().size());
        Set<Long> seeds = new HashSet<>();
        for (MemberRecord r : read.members()) {
            assertTrue(r.completed(), r.id() + " " + r.failureReason());
            assertTrue(seeds.add(r.seed()), "distinct seeds");
            assertEquals(Fs.sha256Hex(layout.resolve(r.path())), r.sha256(), "SHA-256 of " + r.id());
            assertEquals(2, r.history().size());
            assertEquals(2, r.epochsRun());
            assertEquals(1, r.attempts());
            assertTrue(r.validationAccuracy() > 0.5, r.id() + " val acc " + r.validationAccuracy());
            assertTrue(r.executor().contains("executor"), r.executor());
            // checkpoints are gone once the member is stored
            assertFalse(Fs.exists(layout.checkpointIndex(r.id())));
        }
        assertEquals("deep", read.method());
        assertTrue(read.codeVersion().containsKey("commit"));
        assertEquals(config.rendered().replaceAll("\\s", "").length() > 0, true);
        JsonNode cfg = read.config();
        assertEquals(3, cfg.path("ensemble").path("members").asInt());
        assertTrue(read.run().get("wallSeconds") instanceof Number);
        // the whole manifest is parseable JSON with nothing half-written beside it
        try (var files = Files.list(dir.resolve("ens"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("._tmp")));
        }
    }

    @Test
    @Order(2)
    void membersDifferAndTheEnsembleIsNotWorseThanTheMeanMember() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        ExampleSet test = DataLoader.test(config.data());
        List<float[]> probs = new ArrayList<>();
        for (MemberRecord r : manifest.members()) {
            probs.add(Predictor.probabilities(VerifiedModels.loadVerified(layout, r), test, manifest.normalisation(), 500));
        }
        assertFalse(Arrays.equals(probs.get(0), probs.get(1)));
        assertFalse(Arrays.equals(probs.get(1), probs.get(2)));
        int[] labels = test.labels();
        double meanNll = probs.stream().mapToDouble(p -> ClassificationMetrics.nll(p, labels, 10)).average().orElseThrow();
        double ensNll = ClassificationMetrics.nll(ClassificationMetrics.average(probs), labels, 10);
        assertTrue(ensNll <= meanNll, "ensemble NLL " + ensNll + " vs mean member " + meanNll);

        // the evaluation job computes the same numbers on the cluster
        EvaluationReport report = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        assertEquals(ensNll, report.ensembleOfSize(3).nll(), 1e-6);
        assertEquals(meanNll, report.meanMember().nll(), 1e-6);
        assertTrue(report.table().contains("ensemble"));
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
        assertEquals(1000, metrics.path("testExamples").asInt());
        // 3 members, the mean member, sizes 1..3 in manifest order and averaged over random orders
        assertEquals(3 + 1 + 3 + 3, metrics.path("rows").size());
        assertEquals(5, metrics.path("randomOrders").asInt());
        assertEquals(manifest.members().stream().mapToLong(MemberRecord::parameters).sum(),
                metrics.path("cost").path("parameters").asLong());
        assertTrue(metrics.path("cost").path("inferenceSecondsPer1000").asDouble() > 0);
        assertTrue(metrics.path("cost").path("trainingWallSeconds").asDouble() > 0);
    }

    @Test
    @Order(3)
    void rerunningOnTheSameFolderKeepsCompleteMembers() throws Exception {
        Manifest again = TrainJob.run(TestSpark.get(), config, out);
        for (int i = 0; i < 3; i++) {
            assertEquals(manifest.members().get(i).sha256(), again.members().get(i).sha256());
            assertEquals(manifest.members().get(i).trainingSeconds(), again.members().get(i).trainingSeconds());
        }
        EnsembleConfig other = FashionMnist.config(FashionMnist.SLICE + """
                ensemble { name = "test3", members = 4, seed = 7 }
                """);
        IntegrityException e = assertThrows(IntegrityException.class, () -> TrainJob.run(TestSpark.get(), other, out));
        assertTrue(e.getMessage().contains("different configuration"), e.getMessage());
    }

    @Test
    @Order(4)
    void oodDetectionOnTheDigitsMatchesASingleProcessComputation() throws Exception {
        String digits = "file:///usr/share/datasets/sklearn-digits/digits.csv.gz";
        assertTrue(new File("/usr/share/datasets/sklearn-digits/digits.csv.gz").isFile(), "run submit/setup");
        EvaluationReport report = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().ood(digits));
        assertEquals(3 + 3 + 2, report.ood().size(), "3 sizes x 2 scores, and mutual information from size 2");
        // the same numbers from predictions made here, in one process
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        ExampleSet test = DataLoader.test(config.data());
        ExampleSet ood = io.ensembles.data.DigitsCsvReader.read(digits, 0);
        List<float[]> t = new ArrayList<>();
        List<float[]> o = new ArrayList<>();
        for (MemberRecord r : manifest.members()) {
            var net = VerifiedModels.loadVerified(layout, r);
            t.add(Predictor.probabilities(net, test, manifest.normalisation(), 500));
            o.add(Predictor.probabilities(net, ood, manifest.normalisation(), 500));
        }
        var local = io.ensembles.report.OodEvaluation.compute(t, o, 10);
        assertEquals(local.size(), report.ood().size());
        for (int i = 0; i < local.size(); i++) {
            assertEquals(local.get(i).score(), report.ood().get(i).score());
            assertEquals(local.get(i).auroc(), report.ood().get(i).auroc(), 1e-6);
            assertEquals(local.get(i).aupr(), report.ood().get(i).aupr(), 1e-6);
            assertEquals(local.get(i).fprAt95Tpr(), report.ood().get(i).fprAt95Tpr(), 1e-6);
        }
        assertTrue(report.ood().get(0).auroc() > 0.5, "digits look less familiar than Fashion-MNIST: "
                + report.ood().get(0).auroc());
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
        assertEquals(1797, metrics.path("oodExamples").asInt());
        assertEquals(8, metrics.path("ood").size());
        assertTrue(report.table().contains("OOD detection"));
    }

    @Test
    @Order(5)
    void theClusterEvaluationEqualsASingleProcessComputationOnItsOwnParquetPredictions() throws Exception {
        String digits = "file:///usr/share/datasets/sklearn-digits/digits.csv.gz";
        int loadsBefore = MemberCache.loads();
        // 1000 test rows in 4 tasks and 1797 OOD rows in 6, on local[2]
        EvaluationReport report = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().ood(digits).settings(Map.of("evaluation.rows-per-task", 300)));
        assertTrue(MemberCache.loads() - loadsBefore <= 3,
                "each member file is read once per executor, not once per task: " + (MemberCache.loads() - loadsBefore));
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
        assertEquals(4, metrics.path("tasks").path("test").asInt());
        assertEquals(6, metrics.path("tasks").path("ood").asInt());

        // the table, read back with Spark SQL: the documented schema, one row per example
        var spark = TestSpark.get();
        var table = spark.read().parquet(layout.predictions());
        assertEquals(PredictionTable.SCHEMA.fieldNames().length, table.schema().fields().length);
        for (var f : PredictionTable.SCHEMA.fields()) {
            assertEquals(f.dataType(), table.schema().apply(f.name()).dataType(), f.name());
        }
        table.createOrReplaceTempView("predictions");
        var counts = spark.sql("SELECT set, count(*) AS n, sum(CASE WHEN predicted = label THEN 1 ELSE 0 END) AS hits "
                + "FROM predictions GROUP BY set ORDER BY set").collectAsList();
        assertEquals("ood", counts.get(0).getString(0));
        assertEquals(1797, counts.get(0).getLong(1));
        assertEquals(1000, counts.get(1).getLong(1));
        assertEquals(report.ensembleOfSize(3).accuracy(), counts.get(1).getLong(2) / 1000.0, 1e-12);

        // the same predictions gathered here, and every metric recomputed in one process from them
        List<String> ids = manifest.members().stream().map(MemberRecord::id).toList();
        List<float[]> t = new ArrayList<>();
        List<float[]> o = new ArrayList<>();
        for (int m = 0; m < ids.size(); m++) {
            t.add(new float[1000 * 10]);
            o.add(new float[1797 * 10]);
        }
        int[] labels = new int[1000];
        for (var row : table.collectAsList()) {
            boolean isTest = row.getString(0).equals("test");
            int id = (int) row.getLong(1);
            if (isTest) labels[id] = row.getInt(2);
            scala.collection.Map<String, scala.collection.Seq<Float>> members = row.getMap(3);
            for (int m = 0; m < ids.size(); m++) {
                var p = members.apply(ids.get(m));
                for (int k = 0; k < 10; k++) (isTest ? t : o).get(m)[id * 10 + k] = p.apply(k);
            }
        }
        assertArrayEquals(DataLoader.test(config.data()).labels(), labels);
        double[] spent = manifest.members().stream().mapToDouble(MemberRecord::epochsSpent).toArray();
        EvaluationReport local = EvaluationReport.compute("test3", ids, t, spent, 2, labels, 10, 15, 5);
        assertEquals(local.rows().size(), report.rows().size());
        for (int i = 0; i < local.rows().size(); i++) {
            EvaluationReport.Row a = local.rows().get(i);
            EvaluationReport.Row b = report.rows().get(i);
            String at = a.model() + " " + a.kind() + " " + a.size();
            assertEquals(a.model(), b.model(), at);
            assertEquals(a.kind(), b.kind(), at);
            assertEquals(a.size(), b.size(), at);
            assertEquals(a.budget(), b.budget(), 1e-9, at);
            assertEquals(a.accuracy(), b.accuracy(), 1e-6, at);
            assertEquals(a.nll(), b.nll(), 1e-6, at);
            assertEquals(a.ece(), b.ece(), 1e-6, at);
            assertEquals(a.adaptiveEce(), b.adaptiveEce(), 1e-6, at);
            assertEquals(a.brier(), b.brier(), 1e-6, at);
            assertEquals(a.calibratedNll(), b.calibratedNll(), 1e-6, at);
            assertEquals(a.temperature(), b.temperature(), 1e-6, at);
            assertEquals(a.disagreement(), b.disagreement(), 1e-6, at);
            assertEquals(a.kl(), b.kl(), 1e-6, at);
        }
        assertEquals(2, report.reliability().size(), "the first member's and the whole ensemble's");
        for (int d = 0; d < 2; d++) {
            var a = local.reliability().get(d);
            var b = report.reliability().get(d);
            assertEquals(a.model(), b.model());
            for (int bin = 0; bin < 15; bin++) {
                assertEquals(a.bins().get(bin).count(), b.bins().get(bin).count(), a.model() + " bin " + bin);
                assertEquals(a.bins().get(bin).confidence(), b.bins().get(bin).confidence(), 1e-6);
                assertEquals(a.bins().get(bin).accuracy(), b.bins().get(bin).accuracy(), 1e-12);
            }
        }
        // 3 scores x (in, out); each histogram's shares add up to 1
        assertEquals(6, report.oodHistograms().size());
        for (var h : report.oodHistograms()) assertEquals(1.0, Arrays.stream(h.share()).sum(), 1e-9, h.score());
        var localOod = io.ensembles.report.OodEvaluation.compute(t, o, 10);
        assertEquals(localOod.size(), report.ood().size());
        for (int i = 0; i < localOod.size(); i++) {
            assertEquals(localOod.get(i).size(), report.ood().get(i).size());
            assertEquals(localOod.get(i).score(), report.ood().get(i).score());
            assertEquals(localOod.get(i).auroc(), report.ood().get(i).auroc(), 1e-6);
            assertEquals(localOod.get(i).aupr(), report.ood().get(i).aupr(), 1e-6);
            assertEquals(localOod.get(i).fprAt95Tpr(), report.ood().get(i).fprAt95Tpr(), 1e-6);
        }
    }

    @Test
    @Order(5)
    void distributionShiftIsEvaluatedOnEveryCorruptionAndSeverity() throws Exception {
        EvaluationReport r = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().testLimit(200).shift(true));
        assertEquals(25, r.shift().size());
        for (var row : r.shift()) {
            assertTrue(row.nll() <= row.meanMemberNll() + 1e-9, "an ensemble's NLL never exceeds its mean member's: " + row);
        }
        var rot = r.shift().stream().filter(x -> x.corruption().equals("rotation")).toList();
        assertTrue(rot.get(4).error() > rot.get(0).error(), "75 degrees hurts more than 15: " + rot);
        assertTrue(r.table().contains("Distribution shift"));
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(new EnsembleLayout(Fs.qualify(out)).metrics()));
        assertEquals(25, metrics.path("shift").size());
    }

    @Test
    @Order(6)
    void aTamperedMemberStopsTheEvaluationNamingIt() throws Exception {
        Path model = dir.resolve("ens/members/m001/model.zip");
        byte[] bytes = Files.readAllBytes(model);
        bytes[100] ^= 0x55;
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        Fs.writeAtomically(layout.resolve("members/m001/model.zip"), true, o -> o.write(bytes));
        Exception e = assertThrows(Exception.class, () -> EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().testLimit(200)));
        String all = e.toString() + (e.getCause() != null ? e.getCause().toString() : "");
        assertTrue(all.contains("member m001") && all.contains("SHA-256"), all);
        // on request, the tampered member is left out and the others are evaluated
        EvaluationReport rest = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().testLimit(200).skipBadMembers(true));
        assertEquals(List.of("m000", "m002"), rest.rows().stream().filter(r -> r.kind().equals("member"))
                .map(EvaluationReport.Row::model).toList());
    }
}
