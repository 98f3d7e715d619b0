package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collapse guard in real Spark jobs: a member trained on shuffled labels is stored but marked
 * collapsed, with the reason, and the evaluation leaves it out and says so (console table,
 * metrics.json, report.html); a snapshot run whose every snapshot collapsed has nothing to evaluate.
 */
class CollapseGuardJobTest {
    @TempDir
    static Path dir;

    @Test
    void aCollapsedMemberIsStoredMarkedAndLeftOutOfTheEvaluation() throws Exception {
        EnsembleConfig c = FashionMnist.config(FashionMnist.SLICE + """
                ensemble { name = "collapse", members = 3, seed = 5 }
                model { architectures = [mlp], mlp.hidden = [64] }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05 }
                debug.shuffle-labels-member = 1
                """);
        String out = dir.resolve("deep").toUri().toString();
        Manifest m = TrainJob.run(TestSpark.get(), c, out);
        List<String> statuses = m.members().stream().map(MemberRecord::status).toList();
        assertEquals(List.of("completed", "collapsed", "completed"), statuses);
        MemberRecord collapsed = m.members().get(1);
        assertTrue(collapsed.failureReason().contains("within training.collapse-margin = 0.05 of chance"),
                collapsed.failureReason());
        assertTrue(collapsed.validationAccuracy() < 0.2, "validation accuracy " + collapsed.validationAccuracy());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        assertTrue(Fs.exists(layout.resolve(collapsed.path())), "the collapsed member's model is kept for inspection");

        EvaluationReport r = EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults());
        assertEquals(List.of(new EvaluationReport.LeftOut("m001", "collapsed", collapsed.failureReason())), r.leftOut());
        assertEquals(2, r.fullEnsemble().size(), "the ensemble is of the two members that learned");
        assertTrue(r.rows().stream().noneMatch(row -> row.model().equals("m001")), "no row of m001");
        assertTrue(r.table().contains("left out: m001 (collapsed)"), r.table());
        assertTrue(r.fullEnsemble().error() < 0.3, "error " + r.fullEnsemble().error());
        JsonNode metrics = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
        assertEquals("m001", metrics.get("leftOut").get(0).get("id").asText());
        assertEquals("collapsed", metrics.get("leftOut").get(0).get("status").asText());
        String html = Fs.readString(layout.report());
        assertTrue(html.contains("Members left out") && html.contains("m001"), "report names the member left out");
    }

    @Test
    void aSnapshotRunThatCollapsedHasNothingToEvaluate() throws Exception {
        EnsembleConfig c = FashionMnist.config("""
                ensemble { name = "collapsed-sse", method = sse, seed = 9 }
                data { limit = 2000, test-limit = 500, validation-fraction = 0.2 }
                model { architectures = [mlp], mlp.hidden = [32] }
                training { epochs = 2, batch-size = 64, learning-rate = 0.05 }
                snapshot { cycles = 2, mode = single-task }
                debug.shuffle-labels-member = 0
                """);
        String out = dir.resolve("sse").toUri().toString();
        Manifest m = SnapshotJob.run(TestSpark.get(), c, out);
        assertEquals(2, m.members().size());
        for (MemberRecord r : m.members()) {
            assertEquals(MemberRecord.COLLAPSED, r.status(), r.id() + " at validation accuracy " + r.validationAccuracy());
            assertTrue(r.snapshot() != null && r.failureReason().startsWith("collapsed"), r.failureReason());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EvaluateJob.run(TestSpark.get(), out, EvaluationOptions.defaults()));
        assertTrue(e.getMessage().contains("no completed member to evaluate (m000 collapsed, m001 collapsed)"),
                e.getMessage());
    }
}
