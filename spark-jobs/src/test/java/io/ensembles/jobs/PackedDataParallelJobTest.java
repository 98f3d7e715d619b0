package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packed networks trained data-parallel (training.data-parallel) on local[2]: two PE(2, 2, 2)
 * networks, one after the other, each across both workers with parameter averaging of all its
 * heads; the workers follow the driver's schedule, both networks are stored once and listed as
 * two members each, and a re-run keeps them.
 */
class PackedDataParallelJobTest {
    @TempDir
    static Path dir;

    @Test
    void packedNetworksTrainDataParallelAndAreStoredAsTheirHeads() throws Exception {
        EnsembleConfig config = FashionMnist.config(FashionMnist.SLICE + """
                ensemble { name = "packed-dp", method = "packed", members = 4, seed = 9 }
                packed { alpha = 2, gamma = 2, heads = 2 }
                model { architectures = [cnn], cnn { channels = [8, 16], dense = 32 } }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05, data-parallel = true }
                snapshot { averaging-frequency = 4, workers = 2 }
                evaluation { random-orders = 0 }
                """);
        String out = dir.resolve("pe-dp").toUri().toString();
        Manifest manifest = TrainJob.run(TestSpark.get(), config, out);
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));

        assertEquals("data-parallel", manifest.run().get("mode"));
        assertEquals(2, ((Number) manifest.run().get("workers")).intValue());
        Map<?, ?> rates = (Map<?, ?>) manifest.run().get("workerRates");
        // 2400 training images = 38 minibatches of 64 per epoch, 19 global iterations on 2 workers,
        // 2 epochs, 2 networks: every worker update of both networks was recorded
        assertEquals(2 * 2 * 38, ((Number) rates.get("updates")).intValue());
        assertEquals(0.0, ((Number) rates.get("maxDeviationFromSchedule")).doubleValue(), 1e-9,
                "every worker update used the driver's rate for its iteration");
        List<?> rounds = (List<?>) manifest.run().get("rounds");
        assertEquals(List.of("pe000", "pe001"), rounds.stream().map(r -> ((Map<?, ?>) r).get("member"))
                .distinct().toList(), "the networks trained one after the other");

        assertEquals(4, manifest.members().size());
        ExampleSet test = DataLoader.test(config.data());
        int[] labels = test.labels();
        for (int n = 0; n < 2; n++) {
            MemberRecord first = manifest.members().get(2 * n);
            MemberRecord second = manifest.members().get(2 * n + 1);
            assertTrue(first.completed() && second.completed());
            assertEquals("members/pe00" + n + "/model.zip", first.path());
            assertEquals(first.path(), second.path());
            assertEquals(List.of(0, 1), List.of(first.packed().head(), second.packed().head()));
            assertTrue(first.executor().startsWith("driver (data-parallel over 2 workers)"), first.executor());
            assertEquals(2, first.history().size(), "an epoch record per epoch");
            ComputationGraph net = VerifiedModels.loadVerified(layout, first);
            assertEquals(2, net.getNumOutputArrays());
            assertEquals(2 * 19, net.getIterationCount(), "19 global iterations per epoch");
            float[][] heads = Predictor.heads(net, test, manifest.normalisation(), 500);
            assertFalse(Arrays.equals(heads[0], heads[1]), "the heads differ");
            float[] ens = Predictor.probabilities(net, test, manifest.normalisation(), 500);
            assertTrue(ClassificationMetrics.accuracy(ens, labels, 10) > 0.6,
                    "network " + n + " learned: " + ClassificationMetrics.accuracy(ens, labels, 10));
        }
        assertFalse(manifest.members().get(0).sha256().equals(manifest.members().get(2).sha256()));

        // a re-run finds both networks stored and verified: nothing trains again
        Manifest again = TrainJob.run(TestSpark.get(), config, out);
        for (int i = 0; i < 4; i++) {
            assertEquals(manifest.members().get(i).sha256(), again.members().get(i).sha256());
            assertEquals(manifest.members().get(i).trainingSeconds(), again.members().get(i).trainingSeconds());
        }
        assertEquals(0, ((Number) ((Map<?, ?>) again.run().get("workerRates")).get("updates")).intValue());

        EvaluationReport report = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        assertEquals(4, report.ensembleOfSize(4).size());
        assertTrue(report.ensembleOfSize(4).nll() <= report.meanMember().nll() + 1e-9);
    }
}
