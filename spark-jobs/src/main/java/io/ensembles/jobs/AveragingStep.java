package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.TrainingPlan;
import io.ensembles.train.UpdateStep;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
 * Updates as rounds: every worker fits up to {@code averaging-frequency} minibatches from the
 * round's global iteration, then DL4J averages their parameters (and updater state) into the
 * driver's network. A round is cut short at a capture, so every snapshot is taken where the plan says.
 */
final class AveragingStep implements UpdateStep {
    private static final Logger LOG = LoggerFactory.getLogger(AveragingStep.class);

    private final JavaSparkContext jsc;
    private final EnsembleConfig config;
    private final RoundData rounds;
    private final int workers;
    private final DataParallelRun.Trace trace;
    private final TrainingPlan plan;
    private final int batchesPerEpoch;
    private final CollectionAccumulator<double[]> rates;
    private final ParameterAveragingTrainingMaster master;
    private SparkComputationGraph sparkNet;

    AveragingStep(JavaSparkContext jsc, EnsembleConfig config, RoundData rounds, int workers, DataParallelRun.Trace trace,
                  TrainingPlan plan) {
        this.config = config;
        this.rounds = rounds;
        this.workers = workers;
        this.trace = trace;
        this.plan = plan;
        int b = config.training().batchSize();
        this.batchesPerEpoch = Math.toIntExact((rounds.examples() + b - 1) / b);
        this.rates = jsc.sc().collectionAccumulator("worker learning rates");
        this.master = new ParameterAveragingTrainingMaster.Builder(workers, b)
                .batchSizePerWorker(b).averagingFrequency(config.snapshot().averagingFrequency())
                .workerPrefetchNumBatches(0).rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never).storageLevel(null).saveUpdater(true).collectTrainingStats(false)
                .trainingHooks(new RateProbe(rates)).build();
        this.jsc = jsc;
    }

    @Override
    public Epoch epoch(MemberSpec run, int epoch) {
        return new Epoch() {
            private int pos;

            @Override
            public boolean hasNext() {
                return pos < batchesPerEpoch;
            }

            @Override
            public Update next(ComputationGraph net, long maxUpdates) {
                if (sparkNet == null) {
                    sparkNet = new SparkComputationGraph(jsc, net, master);
                    LOG.info("data-parallel {}: {} workers, {} minibatches of {} per epoch, {} global iterations "
                            + "per epoch, averaging every {} minibatches, {} updates, {} captures", run.id(),
                            workers, batchesPerEpoch, config.training().batchSize(), plan.iterationsPerEpoch(),
                            config.snapshot().averagingFrequency(), plan.iterations(), plan.captures().size());
                }
                Update u = round(run, net, epoch, pos, maxUpdates);
                pos += (int) Math.min(u.updates() * workers, batchesPerEpoch - pos);
                return u;
            }

            @Override
            public void close() {}
        };
    }

    /** One round from minibatch {@code pos} of the epoch: {@code steps} global iterations on every worker. */
    private Update round(MemberSpec run, ComputationGraph net, int epoch, int pos, long maxUpdates) {
        int b = config.training().batchSize();
        long iter = net.getIterationCount();
        long steps = Math.min(config.snapshot().averagingFrequency(), (batchesPerEpoch - pos + workers - 1) / workers);
        steps = Math.min(steps, maxUpdates);
        int nb = (int) Math.min(steps * workers, batchesPerEpoch - pos);
        JavaRDD<org.nd4j.linalg.dataset.DataSet> batches = rounds.round(epoch, pos, nb, workers, b);
        net.getConfiguration().setIterationCount((int) iter);
        Map<String, Object> round = new LinkedHashMap<>();
        round.put("member", run.id());
        round.put("iteration", iter);
        round.put("steps", steps);
        round.put("minibatches", nb);
        round.put("rate", plan.schedule().rate(iter));
        trace.rounds().add(round);
        // a packed network's heads all learn from the same labels; its score is their sum
        int heads = net.getNumOutputArrays();
        if (heads == 1) {
            sparkNet.fit(batches);
        } else {
            sparkNet.fitMultiDataSet(batches.map(d -> MemberTrainer.withLabelsRepeated(d, heads)));
        }
        // the master adds its averaging frequency; the round may have been shorter
        net.getConfiguration().setIterationCount((int) (iter + steps));
        double penalty = config.training().weightDecay() > 0 ? net.calcRegularizationScore(true) : 0;
        return new Update(steps, (sparkNet.getScore() - penalty) / heads, penalty);
    }

    @Override
    public void close() {
        rounds.close();
        trace.workerRates().addAll(rates.value());
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
