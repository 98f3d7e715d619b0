package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberStore;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.NativeRuntime;
import io.ensembles.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one Spark task: trains one member (resuming its checkpoint when a retried task
 * finds one), stores it atomically and returns its record. A member already stored complete and
 * verified by an earlier attempt is returned as it is, so a retry never trains or writes twice.
 */
final class MemberTask implements Function<MemberSpec, MemberRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTask.class);

    private final EnsembleConfig config;
    private final String root;
    private final Broadcast<TrainingData> data;
    private final Map<String, String> hadoop;
    private final int threads;

    MemberTask(EnsembleConfig config, String root, Broadcast<TrainingData> data, Map<String, String> hadoop, int threads) {
        this.config = config;
        this.root = root;
        this.data = data;
        this.hadoop = hadoop;
        this.threads = threads;
    }

    @Override
    public MemberRecord call(MemberSpec spec) throws IOException {
        Fs.configure(hadoop);
        NativeRuntime.limitThreads(threads);
        EnsembleLayout layout = new EnsembleLayout(root);
        MemberStore store = new MemberStore(layout, spec.id());
        int attempt = TaskContext.get() != null ? TaskContext.get().attemptNumber() : 0;
        MemberRecord done = store.finishedRecord();
        if (done != null) {
            LOG.info("member {}: already complete and verified, not training again", spec.id());
            return done;
        }
        LOG.info("member {} ({}, seed {}) starts on {} with {} thread(s)", spec.id(), spec.architecture().id(),
                spec.seed(), SparkSupport.executorDescription(), threads);
        MemberTrainer trainer = new MemberTrainer(config);
        MemberOutcome o = trainer.train(spec, data.value(), store, new Progress(layout, attempt));
        EpochMetrics last = o.last();
        MemberRecord record = new MemberRecord(spec.id(), spec.index(), config.ensemble().method(),
                spec.architecture().id(), spec.seed(), spec.bagging(),
                o.completed() ? MemberRecord.COMPLETED : MemberRecord.FAILED, o.failureReason(),
                null, null, o.net() != null ? o.net().numParams() : 0,
                config.training().epochs(), o.epochsRun(), o.resumedFromEpoch(), attempt + 1, o.trainingSeconds(),
                last != null ? last.validationAccuracy() : Double.NaN, last != null ? last.validationNll() : Double.NaN,
                o.history(), SparkSupport.executorDescription(), o.epochsRun() + o.resumedFromEpoch(), null);
        if (!o.completed()) return record;
        MemberRecord stored = store.storeFinal(o.net(), record);
        writeProgress(layout, spec.id(), Map.of("state", "completed", "epoch", config.training().epochs()));
        return stored;
    }

    static void writeProgress(EnsembleLayout layout, String id, Map<String, Object> fields) {
        try {
            Fs.writeString(layout.progress(id), Json.write(fields), true);
        } catch (IOException e) {
            // progress is a courtesy to the log; never fail training over it
            LOG.debug("could not write progress of {}: {}", id, e.getMessage());
        }
    }

    /** Writes progress for the driver's monitor, and injects the configured test fault. */
    private final class Progress implements TrainingListener {
        private final EnsembleLayout layout;
        private final int attempt;

        Progress(EnsembleLayout layout, int attempt) {
            this.layout = layout;
            this.attempt = attempt;
        }

        @Override
        public void onIteration(MemberSpec m, int epoch, long iteration, double loss, double lr) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("state", "training");
            p.put("epoch", epoch);
            p.put("epochs", config.training().epochs());
            p.put("iteration", iteration);
            p.put("loss", loss);
            p.put("learningRate", lr);
            p.put("attempt", attempt);
            writeProgress(layout, m.id(), p);
        }

        @Override
        public void onEpochEnd(MemberSpec m, EpochMetrics e, int epochs) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("state", "epoch-done");
            p.put("epoch", e.epoch());
            p.put("epochs", epochs);
            p.put("loss", e.trainLoss());
            p.put("validationAccuracy", e.validationAccuracy());
            p.put("attempt", attempt);
            writeProgress(layout, m.id(), p);
            var d = config.debug();
            if (d.failMember() == m.index() && d.failAfterEpoch() == e.epoch() && attempt == 0 && e.epoch() < epochs) {
                throw new UncheckedIOException(new IOException("injected fault (debug.fail-member = " + m.index()
                        + ") after the checkpoint of epoch " + e.epoch()));
            }
        }
    }
}
