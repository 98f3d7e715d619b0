package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import io.ensembles.store.MemberCommit;
import io.ensembles.train.TrainingPlan;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The snapshot methods and MC-dropout, end to end in real Spark local[2] on Fashion-MNIST slices. */
class SnapshotJobTest {
    @TempDir
    Path dir;

    private static final String SLICE = FashionMnist.SLICE + """
            model { architectures = [cnn], cnn { channels = [8, 16], dense = 64 } }
            training { batch-size = 64 }
            """;

    private static List<INDArray> weights(String out, Manifest m) throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        return m.members().stream().map(r -> {
            try {
                return VerifiedModels.loadVerified(layout, r).params().dup();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).toList();
    }

    @Test
    void sseStoresOneSnapshotPerCycleCapturedAtTheCycleEnd() throws Exception {
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = sse, method = sse, seed = 3 }
                data.limit = 6000
                model { architectures = [mlp], mlp.hidden = [128] }
                training { epochs = 6, learning-rate = 0.1 }
                snapshot.cycles = 3
                """);
        String out = dir.resolve("sse").toUri().toString();
        Manifest m = SnapshotJob.run(TestSpark.get(), c, out);
        assertEquals("sse", m.method());
        assertEquals("single-task", m.run().get("mode"));
        assertEquals(3, m.completedMembers().size());
        int ipe = (4800 + 63) / 64;
        TrainingPlan plan = TrainingPlan.of(c, ipe);
        for (int k = 0; k < 3; k++) {
            MemberRecord r = m.members().get(k);
            assertEquals(k + 1, r.snapshot().cycle());
            assertEquals(plan.captures().get(k).iteration(), r.snapshot().iteration());
            assertEquals(2.0 * (k + 1), r.snapshot().epoch(), 1e-9, "each cycle is two epochs here");
            assertTrue(r.snapshot().learningRate() < 0.1 * 0.005, "rate at capture " + r.snapshot().learningRate());
            assertEquals(2.0, r.epochsSpent(), 1e-9);
        }
        List<INDArray> w = weights(out, m);
        assertNotEquals(w.get(0), w.get(1));
        assertNotEquals(w.get(1), w.get(2));
        // the run's own checkpoint is gone once every snapshot is stored
        assertFalse(Fs.exists(new EnsembleLayout(Fs.qualify(out)).checkpointIndex(SnapshotTask.RUN_ID)));
        assertEquals(6.0, ((Number) ((java.util.Map<?, ?>) m.run().get("budget")).get("epochsSpent")).doubleValue(), 1e-9);

        EvaluationReport rep = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        double last = rep.rows().stream().filter(r -> r.model().equals("m002")).findFirst().orElseThrow().nll();
        double ensemble = rep.ensembleOfSize(3).nll();
        assertTrue(ensemble <= last, "snapshot ensemble NLL " + ensemble + " vs last snapshot " + last);
        assertEquals(1.0, rep.ensembleOfSize(3).budget(), 1e-9, "B defaults to the run's epochs: one budget");
        assertEquals(1.0 / 3, rep.ensembleOfSize(1).budget(), 1e-9);

        // a rerun finds every snapshot stored and trains nothing
        Manifest again = SnapshotJob.run(TestSpark.get(), c, out);
        for (int k = 0; k < 3; k++) assertEquals(m.members().get(k).sha256(), again.members().get(k).sha256());
    }

    @Test
    void fgeCollectsMembersAtTheLowPointAndNoCycleAtTheSseCaptures() throws Exception {
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = fge, method = fge, seed = 4 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 3, learning-rate = 0.05 }
                snapshot.fge { pretrain-epochs = 2, cycle-epochs = 0.5, rate-high = 0.05, rate-low = 0.0005 }
                """);
        Manifest m = SnapshotJob.run(TestSpark.get(), c, dir.resolve("fge").toUri().toString());
        // 38 updates per epoch: pre-training 76, then cycles of c = 20 (half an epoch, made even): members
        // after 86 and 106 updates
        TrainingPlan plan = TrainingPlan.of(c, 38);
        assertEquals(List.of(86L, 106L), m.members().stream().map(r -> r.snapshot().iteration()).toList());
        assertEquals(2, m.completedMembers().size());
        for (MemberRecord r : m.members()) assertEquals(0.0005, r.snapshot().learningRate(), 1e-12);
        assertEquals(86 / 38.0, m.members().get(0).epochsSpent(), 1e-9, "the first member carries the pre-training");
        assertEquals(20 / 38.0, m.members().get(1).epochsSpent(), 1e-9);
        assertEquals(plan.captures().size(), m.members().size());

        EnsembleConfig nc = FashionMnist.config(SLICE + """
                ensemble { name = nc, method = nocycle, seed = 4 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, learning-rate = 0.05 }
                snapshot.cycles = 2
                """);
        Manifest n = SnapshotJob.run(TestSpark.get(), nc, dir.resolve("nc").toUri().toString());
        assertEquals(2, n.completedMembers().size());
        assertEquals(0.05, n.members().get(0).snapshot().learningRate(), 1e-12, "half way: just before the first drop");
        assertEquals(0.05 * 0.01, n.members().get(1).snapshot().learningRate(), 1e-12, "end: second drop");
    }

    @Test
    void dataParallelRunFollowsTheScheduleOnEveryWorker() throws Exception {
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = dp, method = sse, seed = 5 }
                data.limit = 2000
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, learning-rate = 0.1 }
                snapshot { cycles = 2, mode = data-parallel, averaging-frequency = 3 }
                """);
        String out = dir.resolve("dp").toUri().toString();
        Manifest m = SnapshotJob.run(TestSpark.get(), c, out);
        assertEquals("data-parallel", m.run().get("mode"));
        assertEquals(2, m.run().get("workers"));
        assertEquals(2, m.completedMembers().size());
        // 1600 training examples: 25 minibatches per epoch, 13 global iterations over 2 workers
        TrainingPlan plan = TrainingPlan.of(c, 13);
        JsonNode run = Json.MAPPER.valueToTree(m.run());
        long iter = 0;
        for (JsonNode round : run.get("rounds")) {
            assertEquals(iter, round.get("iteration").asLong(), "rounds follow each other");
            assertEquals(plan.schedule().rate(iter), round.get("rate").asDouble(), 0.0);
            assertTrue(round.get("steps").asLong() <= 3);
            iter += round.get("steps").asLong();
        }
        assertEquals(26, iter);
        JsonNode rates = run.get("workerRates");
        assertEquals(50, rates.get("updates").asInt(), "every minibatch of both epochs was fitted by a worker");
        assertEquals(0.0, rates.get("maxDeviationFromSchedule").asDouble(), 1e-12);
        for (MemberRecord r : m.members()) assertTrue(r.snapshot().learningRate() < 0.1 * 0.02);
        assertEquals(List.of(13L, 26L), m.members().stream().map(r -> r.snapshot().iteration()).toList());
        assertTrue(m.members().get(1).validationAccuracy() > 0.6, "it learned: " + m.members().get(1).validationAccuracy());
    }

    @Test
    void aSnapshotRunKilledMidwayResumesAndKeepsTheSnapshotsItStored() throws Exception {
        // local[2,3]: the task that fails after epoch 2 is retried and resumes from its checkpoint
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = resume, method = sse, seed = 8 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 4, learning-rate = 0.05 }
                snapshot.cycles = 2
                debug { fail-member = 0, fail-after-epoch = 3 }
                """);
        Manifest m = SnapshotJob.run(TestSpark.get(), c, dir.resolve("resume").toUri().toString());
        assertEquals(2, m.completedMembers().size());
        assertEquals(1, m.members().get(0).attempts(), "the first snapshot was stored by the first attempt");
        assertEquals(2, m.members().get(1).attempts(), "the second by the retry");
        // a snapshot records the epochs finished before it: 1-3 here, taken over from the checkpoint
        assertEquals(List.of(1, 2, 3), m.members().get(1).history().stream().map(e -> e.epoch()).toList(),
                "the retry continued the run's history");
    }

    @Test
    void aDataParallelRunWhoseDriverDiesResumesOnTheNextRun() throws Exception {
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = dpresume, method = sse, seed = 9 }
                data.limit = 2000
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, learning-rate = 0.1 }
                snapshot { cycles = 2, mode = data-parallel, averaging-frequency = 3 }
                debug { fail-member = 0, fail-after-epoch = 1 }
                """);
        String out = dir.resolve("dpresume").toUri().toString();
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SnapshotJob.run(TestSpark.get(), c, out));
        assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
        MemberRecord first = MemberCommit.of(layout, "m000").finishedRecord();
        assertTrue(first != null, "the snapshot of cycle 1 was stored before the driver died");
        assertTrue(Fs.exists(layout.checkpointIndex(SnapshotTask.RUN_ID)), "and the run's checkpoint of epoch 1");

        Manifest m = SnapshotJob.run(TestSpark.get(), c, out);
        assertEquals(2, m.completedMembers().size());
        assertEquals(first.sha256(), m.members().get(0).sha256(), "the stored snapshot is kept, not retrained");
        JsonNode rounds = Json.MAPPER.valueToTree(m.run()).get("rounds");
        assertEquals(13, rounds.get(0).get("iteration").asLong(), "the second run starts at the checkpoint");
        assertEquals(0.0, Json.MAPPER.valueToTree(m.run()).get("workerRates").get("maxDeviationFromSchedule")
                .asDouble(), 1e-12);
        assertFalse(Fs.exists(layout.checkpointIndex(SnapshotTask.RUN_ID)));
    }

    @Test
    void mcDropoutEvaluatesEveryPassAsAMember() throws Exception {
        EnsembleConfig c = FashionMnist.config(SLICE + """
                ensemble { name = mc, method = mc-dropout, members = 1, seed = 6 }
                model { architectures = [mlp], mlp.hidden = [128, 64], dropout = 0.3 }
                training { epochs = 2, learning-rate = 0.05 }
                """);
        String out = dir.resolve("mc").toUri().toString();
        TrainJob.run(TestSpark.get(), c, out);
        EvaluationReport rep = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults().mcPasses(4));
        List<EvaluationReport.Row> passes = rep.rows().stream().filter(r -> r.kind().equals("member")).toList();
        assertEquals(List.of("m000/p01", "m000/p02", "m000/p03", "m000/p04"),
                passes.stream().map(EvaluationReport.Row::model).toList());
        assertEquals(4, passes.stream().map(EvaluationReport.Row::nll).distinct().count(), "passes differ");
        assertTrue(rep.ensembleOfSize(4).nll() <= rep.meanMember().nll());
        // the ensemble row is the mean of the passes, computed here independently of the job
        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(out)));
        ComputationGraph net = VerifiedModels.loadVerified(new EnsembleLayout(Fs.qualify(out)), m.members().get(0));
        var test = io.ensembles.data.DataLoader.test(c.data());
        List<float[]> ps = io.ensembles.ensemble.McDropout.passes(net, test, m.normalisation(), 500, 4,
                m.members().get(0).seed());
        float[] mean = io.ensembles.metrics.ClassificationMetrics.average(ps);
        assertEquals(io.ensembles.metrics.ClassificationMetrics.nll(mean, test.labels(), 10), rep.ensembleOfSize(4).nll(),
                1e-6);
        assertEquals(1.0, rep.ensembleOfSize(1).budget(), 1e-9);
        assertEquals(1.0, rep.ensembleOfSize(4).budget(), 1e-9, "passes cost no training");
    }
}
