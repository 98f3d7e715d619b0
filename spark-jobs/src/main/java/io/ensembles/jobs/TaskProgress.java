package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a training run's progress for the driver's monitor, and injects the configured test fault. */
final class TaskProgress implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(TaskProgress.class);

    private final EnsembleConfig config;
    private final EnsembleLayout layout;
    private final int attempt;

    TaskProgress(EnsembleConfig config, EnsembleLayout layout, int attempt) {
        this.config = config;
        this.layout = layout;
        this.attempt = attempt;
    }

    static void write(EnsembleLayout layout, String id, Map<String, Object> fields) {
        try {
            Fs.writeString(layout.progress(id), Json.write(fields), true);
        } catch (IOException e) {
            // progress is a courtesy to the log; never fail training over it
            LOG.debug("could not write progress of {}: {}", id, e.getMessage());
        }
    }

    /**
     * Spark kills a task's other attempts (a speculative copy, say) with an interrupt once one
     * succeeds; training never blocks on anything interruptible, so it looks here instead.
     */
    private static void stopIfKilled() {
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        if (tc != null) tc.killTaskIfInterrupted();
    }

    @Override
    public void onIteration(MemberSpec m, int epoch, long iteration, double loss, double penalty, double lr) {
        stopIfKilled();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("state", "training");
        p.put("epoch", epoch);
        p.put("epochs", config.training().epochs());
        p.put("iteration", iteration);
        p.put("loss", loss);
        p.put("penalty", penalty);
        p.put("learningRate", lr);
        p.put("attempt", attempt);
        write(layout, m.id(), p);
    }

    @Override
    public void onEpochEnd(MemberSpec m, EpochMetrics e, int epochs) {
        stopIfKilled();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("state", "epoch-done");
        p.put("epoch", e.epoch());
        p.put("epochs", epochs);
        p.put("loss", e.trainLoss());
        p.put("penalty", e.penalty());
        p.put("validationAccuracy", e.validationAccuracy());
        p.put("attempt", attempt);
        write(layout, m.id(), p);
        var d = config.debug();
        if (attempt == 0 && d.holds(m.index(), e.epoch())) hold(m.id(), d.holdDir(), e.epoch());
        if (attempt == 0 && d.fails(m.index(), e.epoch(), epochs)) {
            throw new UncheckedIOException(new IOException("injected fault (debug.fail-member = " + m.index()
                    + ") after the checkpoint of epoch " + e.epoch()));
        }
    }

    /**
     * The fault tests' file barrier ({@code debug.hold-members}): says it is here with
     * {@code <dir>/<id>.held}, then waits for {@code <dir>/<id>.release}. A task that Spark kills
     * meanwhile (a speculative copy won, the stage failed) stops.
     */
    private void hold(String id, String dir, int epoch) {
        String folder = Fs.qualify(dir);
        String release = folder + "/" + id + ".release";
        try {
            if (Fs.exists(release)) return;
            Fs.writeString(folder + "/" + id + ".held", "attempt " + attempt + " of " + id + " after epoch " + epoch
                    + "\n", true);
            LOG.info("member {}: held after epoch {} until {} exists (debug.hold-members)", id, epoch, release);
            while (!Fs.exists(release)) {
                stopIfKilled();
                Thread.sleep(100);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            stopIfKilled();
            throw new UncheckedIOException(new java.io.InterruptedIOException("member " + id
                    + ": interrupted at the debug.hold-members barrier"));
        }
    }
}
