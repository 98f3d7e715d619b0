package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberCommit;
import io.ensembles.store.MemberCheckpoints;
import io.ensembles.store.SnapshotStore;
import io.ensembles.train.Checkpoint;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.SnapshotSink;
import io.ensembles.train.TrainingPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;
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
        RoundData rounds = new BroadcastRounds(jsc, config, data, run);
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
        RoundData rounds = data.stream() != null ? new StreamedRounds(jsc, data.stream(), spec, config)
                : new BroadcastRounds(jsc, config, data.data(), spec);
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

    /**
     * Where the minibatches of a round come from, and the run's validation: a set in memory,
     * broadcast, whose rows the workers index; or a streamed table, whose row groups the workers read.
     */
    interface RoundData {
        io.ensembles.train.TrainingSource source();

        /** Examples per epoch (the bootstrap's size when the run bags). */
        long examples();

        /** Minibatches {@code first .. first + count} of epoch {@code epoch}, dealt to {@code workers} partitions. */
        JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int epoch, int first, int count, int workers, int batchSize);

        void close();
    }

    /** A run's own training set in memory (its bootstrap when bagging), broadcast; each epoch a seeded permutation. */
    private static final class BroadcastRounds implements RoundData {
        private final JavaSparkContext jsc;
        private final io.ensembles.train.InMemorySource source;
        private final ExampleSet train;
        private final Broadcast<ExampleSet> bTrain;
        private final long seed;
        private int epoch = -1;
        private int[] order;

        BroadcastRounds(JavaSparkContext jsc, EnsembleConfig config, TrainingData data, MemberSpec run) {
            this.jsc = jsc;
            this.source = new io.ensembles.train.InMemorySource(config, data);
            this.train = source.trainingSet(run);
            this.bTrain = jsc.broadcast(train);
            this.seed = run.seed();
        }

        @Override public io.ensembles.train.TrainingSource source() { return source; }
        @Override public long examples() { return train.size(); }

        @Override
        public JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int e, int first, int count, int workers, int b) {
            if (e != epoch) {
                order = TrainingData.permutation(train.size(), new Random(seed * 31 + e));
                epoch = e;
            }
            List<int[]> batches = new ArrayList<>(count);
            for (int k = first; k < first + count; k++) {
                int from = k * b;
                batches.add(java.util.Arrays.copyOfRange(order, from, Math.min(train.size(), from + b)));
            }
            Broadcast<ExampleSet> t = bTrain;
            Normalisation norm = source.normalisation();
            return jsc.parallelize(batches, workers).map(idx -> Batches.batch(t.value(), idx, 0, idx.length, norm));
        }

        @Override public void close() { bTrain.destroy(); }
    }

    /**
     * A streamed table: each worker of a round reads the rows of its minibatches from the row groups
     * they lie in ({@link io.ensembles.sources.StreamedTable#rangeBatches}); nothing is broadcast.
     */
    private static final class StreamedRounds implements RoundData {
        private final JavaSparkContext jsc;
        private final io.ensembles.sources.StreamedTable table;
        private final io.ensembles.sources.StreamedSource source;
        private final MemberSpec run;
        private final long examples;

        StreamedRounds(JavaSparkContext jsc, io.ensembles.sources.StreamedTable table, MemberSpec run,
                       EnsembleConfig config) {
            this.jsc = jsc;
            this.table = table;
            this.source = new io.ensembles.sources.StreamedSource(table);
            this.run = run;
            this.examples = source.epochExamples(run);
        }

        @Override public io.ensembles.train.TrainingSource source() { return source; }
        @Override public long examples() { return examples; }

        @Override
        public JavaRDD<org.nd4j.linalg.dataset.DataSet> round(int e, int first, int count, int workers, int b) {
            // the minibatches dealt as parallelize deals a list: worker w gets a contiguous slice
            List<long[]> ranges = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                long from = (long) first + (long) w * count / workers;
                long to = (long) first + (long) (w + 1) * count / workers;
                ranges.add(new long[] {from * b, Math.min(examples, to * b)});
            }
            io.ensembles.sources.StreamedTable t = table;
            MemberSpec m = run;
            return jsc.parallelize(ranges, workers).flatMap(r -> t.rangeBatches(m, e, r[0], r[1], b).iterator());
        }

        @Override public void close() { }
    }

    /** The training loop over {@code rounds}' minibatches. */
    private static MemberOutcome fit(JavaSparkContext jsc, EnsembleConfig config, RoundData source, MemberSpec run,
                                     int workers, Trace trace, TrainingPlan plan, MemberCheckpoints checkpoints,
                                     SnapshotSink sink, io.ensembles.train.WarmStart warmStart) throws IOException {
        io.ensembles.train.TrainingSource data = source.source();
        int b = config.training().batchSize();
        int f = config.snapshot().averagingFrequency();
        int batchesPerEpoch = Math.toIntExact((source.examples() + b - 1) / b);
        Checkpoint resumed = checkpoints.load();
        ComputationGraph net;
        List<EpochMetrics> history = new ArrayList<>();
        int startEpoch = 0;
        double prior = 0;
        if (resumed != null) {
            net = resumed.net();
            startEpoch = resumed.epochsDone();
            history.addAll(resumed.history());
            prior = resumed.trainingSeconds();
            LOG.info("{}: resuming from the checkpoint of epoch {} (iteration {})", run.id(), startEpoch,
                    net.getIterationCount());
        } else {
            net = MemberTrainer.initialNetwork(config, run, data.shape(), data.classes(), plan.schedule(), warmStart);
        }
        // a packed network's heads all learn from the same labels; its score is their sum
        int heads = net.getNumOutputArrays();
        io.ensembles.train.CollapseGuard guard = data.collapseGuard(config.training().collapseMargin());

        CollectionAccumulator<double[]> rates = jsc.sc().collectionAccumulator("worker learning rates");
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, b)
                .batchSizePerWorker(b).averagingFrequency(f).workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct).repartionData(Repartition.Never)
                .storageLevel(null).saveUpdater(true).collectTrainingStats(false)
                .trainingHooks(new RateProbe(rates)).build();
        SparkComputationGraph sparkNet = new SparkComputationGraph(jsc, net, tm);
        LOG.info("data-parallel {}: {} workers, {} minibatches of {} per epoch, {} global iterations per epoch, "
                + "averaging every {} minibatches, {} updates, {} captures", run.id(), workers, batchesPerEpoch, b,
                plan.iterationsPerEpoch(), f, plan.iterations(), plan.captures().size());
        long started = System.nanoTime();
        int epochsDone = startEpoch;
        try {
            long iter = net.getIterationCount();
            for (int epoch = startEpoch; epoch < config.training().epochs() && iter < plan.iterations(); epoch++) {
                long epochStart = System.nanoTime();
                double lossSum = 0;
                double penaltySum = 0;
                int rounds = 0;
                for (int pos = 0; pos < batchesPerEpoch && iter < plan.iterations(); ) {
                    long steps = Math.min(f, (batchesPerEpoch - pos + workers - 1) / workers);
                    steps = Math.min(steps, plan.iterations() - iter);
                    for (TrainingPlan.Capture c : plan.captures()) {
                        if (c.iteration() > iter) {
                            steps = Math.min(steps, c.iteration() - iter);
                            break;
                        }
                    }
                    int nb = (int) Math.min(steps * workers, batchesPerEpoch - pos);
                    JavaRDD<org.nd4j.linalg.dataset.DataSet> batches = source.round(epoch, pos, nb, workers, b);
                    net.getConfiguration().setIterationCount((int) iter);
                    Map<String, Object> round = new LinkedHashMap<>();
                    round.put("member", run.id());
                    round.put("iteration", iter);
                    round.put("steps", steps);
                    round.put("minibatches", nb);
                    round.put("rate", plan.schedule().rate(iter));
                    trace.rounds().add(round);
                    if (heads == 1) {
                        sparkNet.fit(batches);
                    } else {
                        sparkNet.fitMultiDataSet(batches.map(d -> MemberTrainer.withLabelsRepeated(d, heads)));
                    }
                    iter += steps;
                    // the master adds its averaging frequency; the round may have been shorter
                    net.getConfiguration().setIterationCount((int) iter);
                    double penalty = config.training().weightDecay() > 0 ? net.calcRegularizationScore(true) : 0;
                    lossSum += (sparkNet.getScore() - penalty) / heads;
                    penaltySum += penalty;
                    rounds++;
                    pos += nb;
                    TrainingPlan.Capture capture = plan.captureAfter(iter);
                    if (capture != null) {
                        double[] v = data.validate(net, config.evaluation().batchSize());
                        double rate = plan.rateOfUpdate(iter);
                        LOG.info("capture {} (cycle {}) after update {} at rate {}", capture.index() + 1,
                                capture.cycle(), iter, String.format("%.3g", rate));
                        String collapsed = guard.verdict(v[0]);
                        if (collapsed != null) LOG.warn("capture {} {}", capture.index() + 1, collapsed);
                        sink.capture(run, new SnapshotSink.Taken(capture, rate, plan.epochsAt(iter), v[0], v[1],
                                List.copyOf(history), prior + (System.nanoTime() - started) / 1e9, collapsed), net);
                    }
                }
                net.getConfiguration().setEpochCount(epoch + 1);
                epochsDone = epoch + 1;
                double[] v = data.validate(net, config.evaluation().batchSize());
                EpochMetrics m = new EpochMetrics(epoch + 1, lossSum / Math.max(1, rounds), v[0], v[1],
                        plan.schedule().rate(iter), (System.nanoTime() - epochStart) / 1e9,
                        penaltySum / Math.max(1, rounds));
                history.add(m);
                checkpoints.save(new Checkpoint(net, epoch + 1, List.copyOf(history),
                        prior + (System.nanoTime() - started) / 1e9));
                LOG.info("{}: epoch {}/{} ({} rounds) loss {} val acc {} val nll {} ({} s)", run.id(), epoch + 1,
                        config.training().epochs(), rounds, String.format("%.4f", m.trainLoss()),
                        String.format("%.4f", v[0]), String.format("%.4f", v[1]), String.format("%.1f", m.seconds()));
                var d = config.debug();
                if (d.failMember() == run.index() && d.failAfterEpoch() == epoch + 1 && resumed == null
                        && iter < plan.iterations()) {
                    // the driver-side test fault: the first run dies here, a re-run resumes
                    throw new IllegalStateException("injected fault (debug.fail-member = " + run.index()
                            + ") in the driver after the checkpoint of epoch " + (epoch + 1));
                }
            }
        } finally {
            source.close();
            trace.workerRates().addAll(rates.value());
        }
        MemberOutcome done = new MemberOutcome(run, true, null, net, List.copyOf(history), epochsDone - startEpoch,
                startEpoch, prior + (System.nanoTime() - started) / 1e9).judgedBy(guard);
        if (done.collapseReason() != null) LOG.warn("{}: {}", run.id(), done.collapseReason());
        return done;
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

    /** Runs on the workers: records the iteration and learning rate of every update they make. */
    static final class RateProbe implements TrainingHook {
        private final CollectionAccumulator<double[]> rates;

        RateProbe(CollectionAccumulator<double[]> rates) {
            this.rates = rates;
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
            if (model instanceof ComputationGraph g) {
                rates.add(new double[] {g.getIterationCount(), g.getLearningRate(g.getConfiguration().getNetworkOutputs().get(0))});
            }
        }

        @Override public void postUpdate(MultiDataSet minibatch, Model model) { }
        @Override public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) { }
        @Override public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) { }
    }
}
