package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packed-Ensembles through the real jobs on local[2]: 8 members packed in two networks of
 * PE(alpha 2, gamma 2, M 4), the networks trained in parallel tasks, each stored once and listed
 * as 4 members; the evaluation reads every head as a member.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackedEnsembleJobTest {
    @TempDir
    static Path dir;

    static EnsembleConfig config;
    static Manifest manifest;
    static String out;

    @BeforeAll
    static void trainTwoPackedNetworks() throws Exception {
        config = FashionMnist.config(FashionMnist.SLICE + """
                ensemble { name = "packed", method = "packed", members = 8, seed = 5 }
                packed { alpha = 2, gamma = 2, heads = 4 }
                model { architectures = [cnn], cnn { channels = [16, 32], dense = 64 } }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05 }
                evaluation { random-orders = 2 }
                """);
        out = dir.resolve("pe").toUri().toString();
        manifest = TrainJob.run(TestSpark.get(), config, out);
    }

    @Test
    @Order(1)
    void theManifestListsMMembersPerStoredNetwork() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        Manifest read = Manifest.read(layout);
        assertEquals("packed", read.method());
        assertEquals(8, read.members().size());
        Set<String> files = new LinkedHashSet<>();
        for (int i = 0; i < 8; i++) {
            MemberRecord r = read.members().get(i);
            assertTrue(r.completed(), r.id() + " " + r.failureReason());
            assertEquals(String.format("m%03d", i), r.id());
            assertEquals(i, r.index());
            MemberRecord.Packed p = r.packed();
            assertNotNull(p, r.id());
            assertEquals(String.format("pe%03d", i / 4), p.network());
            assertEquals(i % 4, p.head());
            assertEquals(4, p.heads());
            assertEquals(2.0, p.alpha());
            assertEquals(2, p.gamma());
            assertEquals(0.5, r.epochsSpent(), 1e-12, "2 epochs of the network over its 4 members");
            assertEquals(Fs.sha256Hex(layout.resolve(r.path())), r.sha256());
            files.add(r.path());
            var net = VerifiedModels.loadVerified(layout, r);
            assertEquals(net.numParams(), r.parameters(), "the parameters of the network the member lives in");
            assertEquals(4, net.getNumOutputArrays());
        }
        assertEquals(List.of("members/pe000/model.zip", "members/pe001/model.zip"), List.copyOf(files));
        // the two networks were independent tasks with their own seeds
        assertFalse(read.members().get(0).sha256().equals(read.members().get(4).sha256()));
        assertEquals(4.0, ((Number) ((java.util.Map<?, ?>) read.run().get("budget")).get("epochsSpent")).doubleValue(),
                1e-9, "two networks of 2 epochs");
        try (var names = Files.list(dir.resolve("pe").resolve("members"))) {
            assertEquals(List.of("pe000", "pe001"), names.map(p -> p.getFileName().toString()).sorted().toList(),
                    "one folder per network, none per member");
        }
    }

    @Test
    @Order(2)
    void theHeadsDifferAndTheirEnsembleIsNotWorseThanTheMeanHead() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        ExampleSet test = DataLoader.test(config.data());
        int[] labels = test.labels();
        for (int n = 0; n < 2; n++) {
            ComputationGraph net = VerifiedModels.loadVerified(layout, manifest.members().get(n * 4));
            float[][] heads = Predictor.heads(net, test, manifest.normalisation(), 500);
            for (int h = 1; h < 4; h++) assertFalse(Arrays.equals(heads[0], heads[h]), "head " + h + " differs");
            double meanHeadNll = Arrays.stream(heads).mapToDouble(p -> ClassificationMetrics.nll(p, labels, 10))
                    .average().orElseThrow();
            float[] ens = Predictor.probabilities(net, test, manifest.normalisation(), 500);
            double ensNll = ClassificationMetrics.nll(ens, labels, 10);
            assertTrue(ensNll <= meanHeadNll, "packed ensemble NLL " + ensNll + " vs mean head " + meanHeadNll);
            assertTrue(ClassificationMetrics.accuracy(ens, labels, 10) > 0.6, "it learned");
            int disagree = 0;
            for (int i = 0; i < test.size(); i++) {
                if (argmax(heads[0], i) != argmax(heads[1], i)) disagree++;
            }
            assertTrue(disagree > 0, "heads disagree on some test images");
        }
    }

    @Test
    @Order(3)
    void theEvaluationReadsEveryHeadAsAMemberFromOneLoadPerNetwork() throws Exception {
        int loadsBefore = MemberCache.loads();
        EvaluationReport report = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        assertTrue(MemberCache.loads() - loadsBefore <= 2, "two network files, not eight member files: "
                + (MemberCache.loads() - loadsBefore));
        // the same numbers from the heads computed here
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        ExampleSet test = DataLoader.test(config.data());
        List<float[]> all = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            ComputationGraph net = VerifiedModels.loadVerified(layout, manifest.members().get(n * 4));
            all.addAll(Arrays.asList(Predictor.heads(net, test, manifest.normalisation(), 500)));
        }
        int[] labels = test.labels();
        assertEquals(ClassificationMetrics.nll(ClassificationMetrics.average(all.subList(0, 4)), labels, 10),
                report.ensembleOfSize(4).nll(), 1e-6, "size 4 = the first packed network");
        assertEquals(ClassificationMetrics.nll(ClassificationMetrics.average(all), labels, 10),
                report.ensembleOfSize(8).nll(), 1e-6);
        assertEquals(all.stream().mapToDouble(p -> ClassificationMetrics.nll(p, labels, 10)).average().orElseThrow(),
                report.meanMember().nll(), 1e-6);
        assertTrue(report.ensembleOfSize(4).disagreement() > 0, "heads disagree");
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
        long params = manifest.members().get(0).parameters() + manifest.members().get(4).parameters();
        assertEquals(params, metrics.path("cost").path("parameters").asLong(), "each network counted once");
        // 8 members, the mean member, sizes 1..8 in order and over random orders
        assertEquals(8 + 1 + 8 + 8, metrics.path("rows").size());
    }

    private static int argmax(float[] p, int row) {
        int best = 0;
        for (int k = 1; k < 10; k++) if (p[row * 10 + k] > p[row * 10 + best]) best = k;
        return best;
    }
}
