package io.ensembles.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.landscape.Interpolation;
import io.ensembles.landscape.LandscapeResult;
import io.ensembles.store.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The landscape job in real Spark local mode on a deep ensemble (three independent MLPs) and an SSE
 * run of the same MLP (three snapshots of one trajectory), on a Fashion-MNIST slice.
 */
class LandscapeJobTest {
    @TempDir
    Path dir;

    static final String COMMON = """
            data { limit = 3000, test-limit = 1000 }
            model { architectures = [mlp], mlp.hidden = [64] }
            """;

    @Test
    void snapshotsOfOneRunStayCloserThanIndependentMembers() throws Exception {
        EnsembleConfig deep = TrainAndEvaluateJobTest.config(COMMON + """
                ensemble { name = deep, members = 3, seed = 11 }
                training { epochs = 3, learning-rate = 0.05 }
                """);
        EnsembleConfig sse = TrainAndEvaluateJobTest.config(COMMON + """
                ensemble { name = sse, method = sse, seed = 11 }
                training { epochs = 6, learning-rate = 0.1 }
                snapshot.cycles = 3
                """);
        String d = dir.resolve("deep").toUri().toString();
        String s = dir.resolve("sse").toUri().toString();
        TrainJob.run(TestSpark.get(), deep, d);
        SnapshotJob.run(TestSpark.get(), sse, s);
        String out = dir.resolve("landscape").toUri().toString();
        LandscapeResult r = LandscapeJob.run(TestSpark.get(), List.of(d, s), 500, 4, out);

        assertEquals(6, r.checkpoints().size());
        assertEquals(4, r.trajectories().stream().distinct().count(), "three members and one run");
        assertEquals(500, r.points());
        double within = 0;
        double across = 0;
        double disWithin = 0;
        double disAcross = 0;
        for (int i = 0; i < 6; i++) {
            assertEquals(1.0, r.cosine()[i][i]);
            assertEquals(0.0, r.disagreement()[i][i]);
            for (int j = 0; j < 6; j++) assertEquals(r.cosine()[i][j], r.cosine()[j][i]);
        }
        for (int i = 3; i < 6; i++) for (int j = i + 1; j < 6; j++) {
            within += r.cosine()[i][j] / 3;
            disWithin += r.disagreement()[i][j] / 3;
        }
        for (int i = 0; i < 3; i++) for (int j = i + 1; j < 3; j++) {
            across += r.cosine()[i][j] / 3;
            disAcross += r.disagreement()[i][j] / 3;
        }
        System.out.printf("[landscape] SSE snapshots: mean cosine %.4f, disagreement %.4f; independent members: "
                + "mean cosine %.4f, disagreement %.4f%n", within, disWithin, across, disAcross);
        assertTrue(within > 0.5 && Math.abs(across) < 0.2, "cosine within " + within + ", across " + across);

        assertEquals(List.of("independent members", "snapshots of one run"),
                r.sizeCurves().stream().map(LandscapeResult.SizeCurve::name).toList());
        assertEquals(2, r.lines().size());
        for (LandscapeResult.Line l : r.lines()) {
            assertEquals(5, l.points().size(), l.name());
            for (Interpolation.Point p : l.points()) assertTrue(Double.isFinite(p.nll()), l.name() + ": " + p);
        }
        // the line's ends are the members themselves: their NLL is the size-1 ensembles' when the pair leads the curve
        assertEquals(r.sizeCurves().get(0).nll()[0], r.lines().get(0).points().get(0).nll(), 1e-9);

        Path folder = dir.resolve("landscape");
        LandscapeResult back = Json.read(Files.readString(folder.resolve("landscape.json")), LandscapeResult.class);
        assertEquals(r.checkpoints(), back.checkpoints());
        String html = Files.readString(folder.resolve("landscape.html"));
        assertTrue(html.contains("Weight space") && html.contains("Function space") && html.contains("<img"), html);
    }
}
