package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberCommit;
import io.ensembles.store.MemberCheckpoints;
import io.ensembles.store.SnapshotStore;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.NativeRuntime;
import io.ensembles.train.TrainingPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-task mode of a snapshot run: one Spark task trains the run under its plan, storing
 * each capture as a member the moment it is taken; a retried task resumes from the run's newest
 * epoch checkpoint and keeps the snapshots already stored.
 */
final class SnapshotTask implements Function<MemberSpec, List<MemberRecord>> {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTask.class);

    /** The id under which the run's own checkpoints and progress live (members/run/...). */
    static final String RUN_ID = "run";

    private final EnsembleConfig config;
    private final String root;
    private final Broadcast<TrainingData> data;
    private final Map<String, String> hadoop;
    private final int threads;

    SnapshotTask(EnsembleConfig config, String root, Broadcast<TrainingData> data, Map<String, String> hadoop,
                 int threads) {
        this.config = config;
        this.root = root;
        this.data = data;
        this.hadoop = hadoop;
        this.threads = threads;
    }

    @Override
    public List<MemberRecord> call(MemberSpec run) throws IOException {
        io.ensembles.device.Device device = TaskDevice.startTask(hadoop, config.device().gpu(), threads);
        EnsembleLayout layout = new EnsembleLayout(root);
        int attempt = TaskContext.get() != null ? TaskContext.get().attemptNumber() : 0;
        MemberTrainer trainer = new MemberTrainer(config);
        TrainingPlan plan = trainer.planFor(MemberTrainer.trainingSetOf(config, run, data.value()));
        List<MemberRecord> done = SnapshotStore.allStored(layout, plan);
        if (done != null) {
            LOG.info("all {} snapshots of this run are stored and verified, not training again", done.size());
            return done;
        }
        MemberCheckpoints checkpoints = new MemberCheckpoints(layout, RUN_ID);
        SnapshotStore sink = new SnapshotStore(layout, config.ensemble().method().id(), plan, attempt,
                SparkSupport.executorDescription(), device.description());
        LOG.info("{} run ({} updates, {} captures) starts on {} with {} thread(s)", config.ensemble().method().id(),
                plan.iterations(), plan.captures().size(), SparkSupport.executorDescription(), threads);
        MemberOutcome o = trainer.train(run, data.value(), checkpoints, new TaskProgress(config, layout, attempt), sink);
        List<MemberRecord> records = new ArrayList<>();
        for (TrainingPlan.Capture c : plan.captures()) {
            MemberRecord r = MemberCommit.of(layout, SnapshotStore.idOf(c.index())).finishedRecord();
            if (r != null) {
                records.add(r);
            } else {
                records.add(failed(run, c, o.completed() ? "the run ended without this capture"
                        : o.failureReason(), device.description()));
            }
        }
        if (o.completed()) checkpoints.clear();
        TaskProgress.write(layout, RUN_ID, Map.of("state", o.completed() ? "completed" : "failed"));
        return records;
    }

    private MemberRecord failed(MemberSpec run, TrainingPlan.Capture c, String reason, String device) {
        return MemberRecord.builder()
                .member(SnapshotStore.idOf(c.index()), c.index(), config.ensemble().method().id(),
                        run.architecture().id(), run.seed(), run.bagging())
                .status(MemberRecord.FAILED, reason).attempts(1).history(List.of())
                .executor(SparkSupport.executorDescription())
                .snapshot(new MemberRecord.Snapshot(c.cycle(), c.iteration(), Double.NaN, Double.NaN)).device(device)
                .build();
    }
}
