package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberCommit;
import io.ensembles.store.MemberCheckpoints;
import io.ensembles.store.SnapshotStore;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.SnapshotSink;
import io.ensembles.train.TrainingListener;
import io.ensembles.train.TrainingLoop;
import io.ensembles.train.TrainingPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of one network: the driver holds the network and its schedule; each
 * averaging round, every worker fits up to {@code averaging-frequency} minibatches with DL4J's
 * parameter averaging ({@link SparkComputationGraph}), starting from the round's global iteration,
 * so the per-iteration schedule travels with the model configuration and every worker update uses
 * the rate of its iteration. Rounds are cut at capture points so each snapshot is taken exactly
 * where the plan says. One global iteration = one minibatch on every worker. Used by a snapshot
 * run ({@link #train}) and by the train job's members and packed networks with
 * {@code training.data-parallel} ({@link #trainMember}); a packed network's M heads are fitted on
 * the labels repeated, as in a single task.
 */
final class DataParallelRun {
    private static final Logger LOG = LoggerFactory.getLogger(DataParallelRun.class);

    /** What the run did, for the manifest: the rounds the driver started and the rates the workers used. */
    record Trace(List<Map<String, Object>> rounds, List<double[]> workerRates) {}

    private DataParallelRun() {}

    /** A snapshot run: every capture of its plan stored as a member; returns their records. */
    static List<MemberRecord> train(JavaSparkContext jsc, EnsembleConfig config, EnsembleLayout layout,
                                    TrainingData data, MemberSpec run, int workers, Trace trace) throws IOException {
        RoundData rounds = new RoundData.BroadcastRounds(jsc, config, data, run);
        TrainingPlan plan = plan(config, rounds.examples(), workers);
        List<MemberRecord> done = SnapshotStore.allStored(layout, plan);
        if (done != null) {
            LOG.info("all {} snapshots of this run are stored and verified, not training again", done.size());
            return done;
        }
        MemberCheckpoints checkpoints = new MemberCheckpoints(layout, SnapshotTask.RUN_ID);
        SnapshotStore sink = new SnapshotStore(layout, config.ensemble().method().id(), plan, 0, executor(workers),
                DATA_PARALLEL_DEVICE);
        fit(jsc, config, rounds, run, workers, trace, plan, checkpoints, sink, null);
        List<MemberRecord> records = SnapshotStore.allStored(layout, plan);
        if (records == null) throw new IllegalStateException("the run ended without storing all its snapshots");
        checkpoints.clear();
        return records;
    }

    /**
     * One member (or packed network) of the train job, trained across the workers and stored like a
     * task would store it; one already stored complete and verified is returned as it is.
     */
    static MemberRecord trainMember(JavaSparkContext jsc, EnsembleConfig config, EnsembleLayout layout,
                                    io.ensembles.sources.Inputs.Training data, MemberSpec spec, int workers, Trace trace,
                                    io.ensembles.train.WarmStart warmStart) throws IOException {
        MemberCheckpoints store = new MemberCheckpoints(layout, spec.id(), config.training().keepCheckpoints());
        MemberRecord done = new MemberCommit(store).finishedRecord();
        if (done != null) {
            LOG.info("{}: already complete and verified, not training again", spec.id());
            return done;
        }
        RoundData rounds = data.stream() != null ? new RoundData.StreamedRounds(jsc, data.stream(), spec, config)
                : new RoundData.BroadcastRounds(jsc, config, data.data(), spec);
        TrainingPlan plan = plan(config, rounds.examples(), workers);
        LOG.info("{} starts data-parallel over {} workers, on {} data", spec.describe(), workers,
                data.stream() != null ? "streamed" : "broadcast");
        MemberOutcome o = fit(jsc, config, rounds, spec, workers, trace, plan, store, SnapshotSink.NONE, warmStart);
        MemberRecord record = MemberTask.record(config, spec, o, 0, executor(workers), DATA_PARALLEL_DEVICE);
        MemberRecord stored = new MemberCommit(store).storeFinal(o.net(), record);
        TaskProgress.write(layout, spec.id(), Map.of("state", "completed", "epoch", config.training().epochs()));
        return stored;
    }

    /** DL4J's parameter-averaging workers choose their own devices; the record says so. */
    static final String DATA_PARALLEL_DEVICE = "the data-parallel workers' (DL4J chooses)";

    private static String executor(int workers) {
        return "driver (data-parallel over " + workers + " workers)";
    }

    /** The method's plan when one global iteration is one minibatch on each of {@code workers}. */
    private static TrainingPlan plan(EnsembleConfig config, long examples, int workers) {
        int b = config.training().batchSize();
        int batchesPerEpoch = Math.toIntExact((examples + b - 1) / b);
        return TrainingPlan.of(config, (batchesPerEpoch + workers - 1) / workers);
    }

    /** The shared training loop, its updates taken as rounds of parameter averaging. */
    private static MemberOutcome fit(JavaSparkContext jsc, EnsembleConfig config, RoundData rounds, MemberSpec run,
                                     int workers, Trace trace, TrainingPlan plan, MemberCheckpoints checkpoints,
                                     SnapshotSink sink, io.ensembles.train.WarmStart warmStart) throws IOException {
        io.ensembles.train.TrainingSource data = rounds.source();
        try (AveragingStep step = new AveragingStep(jsc, config, rounds, workers, trace, plan)) {
            return new TrainingLoop(config, plan, data, checkpoints, new DriverFault(config), sink).run(run, step,
                    () -> MemberTrainer.initialNetwork(config, run, data.shape(), data.classes(), plan.schedule(),
                            warmStart));
        }
    }

    /**
     * The driver-side test fault ({@code debug.fail-member}): the first attempt of the run dies after
     * the checkpoint of {@code debug.fail-after-epoch}, and a re-run resumes from it.
     */
    private static final class DriverFault implements TrainingListener {
        private final EnsembleConfig config;
        private boolean resumed;

        DriverFault(EnsembleConfig config) {
            this.config = config;
        }

        @Override
        public void onStart(MemberSpec member, int startEpoch) {
            resumed = startEpoch > 0;
        }

        @Override
        public void onEpochEnd(MemberSpec member, EpochMetrics m, int epochs) {
            if (!resumed && config.debug().fails(member.index(), m.epoch(), epochs)) {
                throw new IllegalStateException("injected fault (debug.fail-member = " + member.index()
                        + ") in the driver after the checkpoint of epoch " + m.epoch());
            }
        }
    }

    /**
     * Compares the rate of every worker update with the schedule at its iteration: proof that the
     * workers followed the driver's schedule. Keeps the largest deviation and the first updates.
     */
    static Map<String, Object> rateCheck(Trace trace, EnsembleConfig config, long trainExamples, int workers) {
        var schedule = plan(config, trainExamples, workers).schedule();
        double maxDev = 0;
        List<double[]> sorted = new ArrayList<>(trace.workerRates());
        sorted.sort(Comparator.comparingDouble(r -> r[0]));
        for (double[] r : sorted) maxDev = Math.max(maxDev, Math.abs(r[1] - schedule.rate((long) r[0])));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("updates", sorted.size());
        m.put("maxDeviationFromSchedule", maxDev);
        m.put("first", sorted.subList(0, Math.min(20, sorted.size())));
        return m;
    }
}
