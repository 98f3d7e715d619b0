package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberCommit;
import io.ensembles.store.MemberCheckpoints;
import io.ensembles.store.AlreadyStoredException;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.InMemorySource;
import io.ensembles.train.NativeRuntime;
import io.ensembles.train.TrainingSource;
import io.ensembles.sources.StreamedSource;
import java.io.IOException;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of one Spark task: trains one member, or one packed network of M members (resuming its checkpoint when a retried task
 * finds one), stores it atomically and returns its record. A member already stored complete and
 * verified by an earlier attempt is returned as it is, so a retry never trains or writes twice.
 */
final class MemberTask implements Function<MemberSpec, MemberRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTask.class);

    private final EnsembleConfig config;
    private final String root;
    private final Broadcast<TrainingData> data;
    private final io.ensembles.sources.StreamedTable stream;
    private final Map<String, String> hadoop;
    private final int threads;
    private final io.ensembles.train.WarmStart warmStart;

    /** {@code data} broadcast, or else {@code stream} to be read by the task itself. */
    MemberTask(EnsembleConfig config, String root, Broadcast<TrainingData> data,
               io.ensembles.sources.StreamedTable stream, Map<String, String> hadoop, int threads,
               io.ensembles.train.WarmStart warmStart) {
        this.stream = stream;
        this.warmStart = warmStart;
        this.config = config;
        this.root = root;
        this.data = data;
        this.hadoop = hadoop;
        this.threads = threads;
    }

    @Override
    public MemberRecord call(MemberSpec spec) throws IOException {
        io.ensembles.device.Device device = TaskDevice.startTask(hadoop, config.device().gpu(), threads);
        EnsembleLayout layout = new EnsembleLayout(root);
        MemberCheckpoints store = new MemberCheckpoints(layout, spec.id(), config.training().keepCheckpoints());
        int attempt = TaskContext.get() != null ? TaskContext.get().attemptNumber() : 0;
        MemberRecord done = new MemberCommit(store).finishedRecord();
        if (done != null) {
            LOG.info("member {}: already complete and verified, not training again", spec.id());
            return done;
        }
        LOG.info("{} starts on {} with {} thread(s)", spec.describe(), SparkSupport.executorDescription(), threads);
        MemberTrainer trainer = new MemberTrainer(config, warmStart);
        MemberOutcome o;
        TrainingSource source = stream != null ? new StreamedSource(stream) : new InMemorySource(config, data.value());
        try {
            o = trainer.train(spec, source, store, new TaskProgress(config, layout, attempt));
        } catch (AlreadyStoredException superseded) {
            // a speculative copy or an earlier attempt finished first: its copy is the member
            LOG.info("{}; this attempt stops", superseded.getMessage());
            MemberRecord winner = new MemberCommit(store).finishedRecord();
            if (winner == null) throw superseded;
            return winner;
        }
        MemberRecord record = record(config, spec, o, attempt, SparkSupport.executorDescription(),
                device.description());
        if (!o.completed()) return record;
        MemberRecord stored = new MemberCommit(store).storeFinal(o.net(), record);
        TaskProgress.write(layout, spec.id(), Map.of("state", "completed", "epoch", config.training().epochs()));
        return stored;
    }

    /** The record of a trained member or packed network (not yet stored: no path or checksum). */
    static MemberRecord record(EnsembleConfig config, MemberSpec spec, MemberOutcome o, int attempt, String executor,
                               String device) {
        EpochMetrics last = o.last();
        return MemberRecord.builder()
                .member(spec.id(), spec.index(), config.ensemble().method().id(), spec.architecture().id(), spec.seed(),
                        spec.bagging())
                .status(o.completed() ? MemberRecord.finishedStatus(o.collapseReason()) : MemberRecord.FAILED,
                        o.completed() ? o.collapseReason() : o.failureReason())
                .parameters(o.net() != null ? o.net().numParams() : 0)
                .epochs(config.training().epochs(), o.epochsRun(), o.resumedFromEpoch()).attempts(attempt + 1)
                .trainingSeconds(o.trainingSeconds())
                .validation(last != null ? last.validationAccuracy() : Double.NaN,
                        last != null ? last.validationNll() : Double.NaN)
                .history(o.history()).executor(executor).epochsSpent(o.epochsRun() + o.resumedFromEpoch())
                .packed(spec.packing() == null ? null : new MemberRecord.Packed(spec.id(), spec.packing().alpha(),
                        spec.packing().gamma(), spec.packing().heads(), -1))
                .device(device).build();
    }
}
