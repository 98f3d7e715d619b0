package io.ensembles.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's progress display: the ETA of a member from its pace, and the live block redrawn in place. */
class ProgressMonitorTest {
    @TempDir
    Path dir;

    private static JsonNode training(int epoch, int epochs, long iteration) {
        return Json.MAPPER.valueToTree(Map.of("state", "training", "epoch", epoch, "epochs", epochs,
                "iteration", iteration, "loss", 0.5, "penalty", 0.01, "learningRate", 0.05));
    }

    private static JsonNode epochDone(int epoch, int epochs) {
        return Json.MAPPER.valueToTree(Map.of("state", "epoch-done", "epoch", epoch, "epochs", epochs, "loss", 0.4,
                "penalty", 0.01, "validationAccuracy", 0.85));
    }

    @Test
    void theEtaFollowsTheMembersOwnPace() {
        long s = 1_000_000_000L;
        ProgressMonitor.Member m = new ProgressMonitor.Member("m000");
        m.update(training(1, 4, 0), 0);
        assertTrue(Double.isNaN(m.etaSeconds(5 * s)), "no ETA before an epoch shows how long epochs are");
        assertTrue(m.liveLine(5 * s).contains("ETA after epoch 1"), m.liveLine(5 * s));
        m.update(training(1, 4, 99), 10 * s);
        m.update(epochDone(1, 4), 10 * s);
        assertEquals(100, m.iterationsPerEpoch);
        // a quarter done in 10 s: three quarters left at that pace
        assertEquals(30.0, m.etaSeconds(10 * s), 1e-9);
        m.update(training(3, 4, 299), 30 * s);
        assertEquals(10.0, m.etaSeconds(30 * s), 1e-9);
        assertTrue(m.liveLine(30 * s).matches("m000 +epoch 3/4 +iteration 299 +loss 0\\.5000 +lr 0\\.05000 +val acc 0\\.8500 +ETA 0:10"),
                m.liveLine(30 * s));
        assertEquals("1:01:05", ProgressMonitor.Member.clock(3665));
        m.update(epochDone(4, 4), 40 * s);
        assertEquals("m000   epoch 4/4 done  val acc 0.8500", m.liveLine(40 * s));
    }

    @Test
    void aResumedMemberIsTimedFromWhereItResumed() {
        long s = 1_000_000_000L;
        ProgressMonitor.Member m = new ProgressMonitor.Member("m001");
        m.iterationsPerEpoch = 100;
        m.update(training(3, 4, 200), 0); // resumed from the checkpoint of epoch 2
        m.update(training(3, 4, 249), 5 * s);
        // half an epoch in 5 s (the first half of the run was done before): 1.5 epochs left = 15 s
        assertEquals(15.0, m.etaSeconds(5 * s), 1e-9);
    }

    @Test
    void theLiveBlockIsRedrawnInPlaceFromTheTasksProgressFiles() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressMonitor.Live live = new ProgressMonitor.Live(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        Map<String, Object> p = new LinkedHashMap<>(Map.of("state", "training", "epoch", 1, "epochs", 2, "iteration", 0,
                "loss", 2.3, "penalty", 0.003, "learningRate", 0.05));
        TaskProgress.write(layout, "m000", p);
        try (ProgressMonitor monitor = new ProgressMonitor(layout, List.of("m000", "m001"), 20, live)) {
            await(bytes, "m001   waiting for a task slot");
            p.put("iteration", 50);
            TaskProgress.write(layout, "m000", p);
            await(bytes, "iteration 50");
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r\u001b[2Km000   epoch 1/2  iteration 0 "), out);
        // the second drawing goes back up over the two lines of the first
        assertTrue(out.contains("\u001b[2A\r\u001b[2Km000   epoch 1/2  iteration 50 "), out);
    }

    private static void await(ByteArrayOutputStream bytes, String text) throws InterruptedException {
        for (int i = 0; i < 500 && !bytes.toString(StandardCharsets.UTF_8).contains(text); i++) Thread.sleep(20);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains(text), "never drawn: " + text);
    }
}
