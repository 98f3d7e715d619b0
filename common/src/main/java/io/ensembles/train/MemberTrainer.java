package io.ensembles.train;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.EnsembleConfig.TrainingSection;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.TrainingData;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.model.ModelFactory;
import io.ensembles.schedule.Dl4jSchedule;
import java.io.IOException;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one member in this JVM: the network it starts from, its plan, and the {@link TrainingLoop}
 * with a {@link LocalStep} (minibatch SGD under the configured schedule). Spark-free: a Spark task,
 * a test or a benchmark calls it alike.
 */
public final class MemberTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTrainer.class);

    private final EnsembleConfig config;
    private final WarmStart warmStart;

    public MemberTrainer(EnsembleConfig config) {
        this(config, null);
    }

    /** A trainer whose members start from {@code warmStart}'s weights (null: freshly initialised). */
    public MemberTrainer(EnsembleConfig config, WarmStart warmStart) {
        this.config = config;
        this.warmStart = warmStart;
    }

    /**
     * The network a run starts with when there is no checkpoint: freshly initialised, then given
     * the warm start's parameters when there is one for this member.
     */
    public static ComputationGraph initialNetwork(EnsembleConfig config, MemberSpec member, ExampleSet train,
                                                 Dl4jSchedule schedule, WarmStart warmStart) throws IOException {
        return initialNetwork(config, member, train.shape(), train.classes(), schedule, warmStart);
    }

    /** As above, for examples of {@code shape} in {@code classes} classes. */
    public static ComputationGraph initialNetwork(EnsembleConfig config, MemberSpec member, InputShape shape,
                                                 int classes, Dl4jSchedule schedule, WarmStart warmStart)
            throws IOException {
        ComputationGraph net = newNetwork(config, member, shape, classes, schedule);
        ComputationGraph from = warmStart == null ? null : warmStart.source(member);
        if (from == null) {
            if (warmStart != null) {
                LOG.info("{}: not in {}, initialised afresh", member.describe(), warmStart.describe());
            }
            return net;
        }
        if (from.numParams() != net.numParams()) {
            throw new IllegalArgumentException("warm start of " + member.describe() + ": the stored network in "
                    + warmStart.describe() + " has " + from.numParams() + " parameters but the configured one has "
                    + net.numParams() + " (warm start needs the same model; use retrain.init = new-seeds)");
        }
        net.setParams(from.params());
        LOG.info("{}: warm start from the weights in {}", member.describe(), warmStart.describe());
        return net;
    }

    /** The training examples a member sees: the training split, or a bootstrap resample of it. */
    public static ExampleSet trainingSetOf(MemberSpec member, TrainingData data) {
        return member.bagging() ? TrainingData.bootstrap(data.train(), member.seed() ^ 0x5DEECE66DL) : data.train();
    }

    /** As above, with the labels permuted for the member that {@code debug.shuffle-labels-member} names. */
    public static ExampleSet trainingSetOf(EnsembleConfig config, MemberSpec member, TrainingData data) {
        ExampleSet d = trainingSetOf(member, data);
        if (config.debug().shuffleLabelsMember() != member.index()) return d;
        LOG.warn("{}: training on randomly permuted labels (debug.shuffle-labels-member)", member.describe());
        int[] labels = d.labels();
        int[] perm = TrainingData.permutation(labels.length, new Random(member.seed() ^ 0x51AB1E5L));
        int[] shuffled = new int[labels.length];
        for (int i = 0; i < labels.length; i++) shuffled[i] = labels[perm[i]];
        return d.withLabels(shuffled);
    }

    /** The collapse guard of this configuration on {@code data}'s validation split. */
    public static CollapseGuard collapseGuard(EnsembleConfig config, TrainingData data) {
        return CollapseGuard.of(config.training().collapseMargin(), data.validation());
    }

    /** The method's plan for a training set of this size (iterations per epoch follow from it). */
    public TrainingPlan planFor(ExampleSet train) {
        return planFor(train.size());
    }

    /** The method's plan for an epoch of {@code examples} examples. */
    public TrainingPlan planFor(long examples) {
        int b = config.training().batchSize();
        return TrainingPlan.of(config, Math.toIntExact((examples + b - 1) / b));
    }

    public ComputationGraph newNetwork(MemberSpec member, ExampleSet train) {
        return newNetwork(config, member, train, planFor(train).schedule());
    }

    /** A freshly initialised network of this member, its updater driven by {@code schedule}. */
    public static ComputationGraph newNetwork(EnsembleConfig config, MemberSpec member, ExampleSet train,
                                              Dl4jSchedule schedule) {
        return newNetwork(config, member, train.shape(), train.classes(), schedule);
    }

    /** As above, for examples of {@code shape} in {@code classes} classes. */
    public static ComputationGraph newNetwork(EnsembleConfig config, MemberSpec member, InputShape shape, int classes,
                                              Dl4jSchedule schedule) {
        TrainingSection t = config.training();
        return ModelFactory.build(member.architecture(), config.model(), member.packing(), shape, classes,
                member.seed(), optimizer(t, schedule));
    }

    /** The optimiser settings of {@code training.*}, driven by {@code schedule}. */
    public static ModelFactory.Optimizer optimizer(TrainingSection t, Dl4jSchedule schedule) {
        return new ModelFactory.Optimizer(schedule, t.momentum(), t.weightDecay(), t.decoupledDecay(), t.clipNorm());
    }

    public MemberOutcome train(MemberSpec member, TrainingData data, Checkpoint.Store store, TrainingListener listener)
            throws IOException {
        return train(member, data, store, listener, SnapshotSink.NONE);
    }

    /**
     * Trains the run of {@code member} under the method's plan, handing every capture of a snapshot
     * method to {@code sink}. A resumed run repeats the captures after its checkpoint; the sink
     * keeps the first stored copy.
     */
    public MemberOutcome train(MemberSpec member, TrainingData data, Checkpoint.Store store, TrainingListener listener,
                               SnapshotSink sink) throws IOException {
        return train(member, new InMemorySource(config, data), store, listener, sink);
    }

    public MemberOutcome train(MemberSpec member, TrainingSource data, Checkpoint.Store store,
                               TrainingListener listener) throws IOException {
        return train(member, data, store, listener, SnapshotSink.NONE);
    }

    /** As above, on any {@link TrainingSource}: examples in memory, or a table streamed as the epochs go. */
    public MemberOutcome train(MemberSpec member, TrainingSource data, Checkpoint.Store store,
                               TrainingListener listener, SnapshotSink sink) throws IOException {
        TrainingPlan plan = planFor(data.epochExamples(member));
        try (LocalStep step = new LocalStep(data, config.training())) {
            return new TrainingLoop(config, plan, data, store, listener, sink).run(member, step,
                    () -> initialNetwork(config, member, data.shape(), data.classes(), plan.schedule(), warmStart));
        }
    }

    /**
     * One update. A network with M outputs (a Packed-Ensemble) is fitted on the batch's labels
     * repeated for every head: DL4J sums the heads' losses, and since head m's loss depends only on
     * member m's parameters, each member gets the gradient it would get alone, at the configured
     * learning rate. (The reference implementation averages over heads and so scales the rate by M.)
     */
    public static void fit(ComputationGraph net, DataSet batch) {
        int outputs = net.getNumOutputArrays();
        if (outputs == 1) {
            net.fit(batch);
            return;
        }
        net.fit(withLabelsRepeated(batch, outputs));
    }

    /** The batch for a network of {@code outputs} heads: the same features, the labels once per head. */
    public static MultiDataSet withLabelsRepeated(DataSet batch, int outputs) {
        INDArray[] labels = new INDArray[outputs];
        java.util.Arrays.fill(labels, batch.getLabels());
        return new MultiDataSet(new INDArray[] {batch.getFeatures()}, labels);
    }

    /** Validation accuracy and NLL (of the mean of the heads, for a packed network), NaN without a validation split. */
    public static double[] validate(ComputationGraph net, TrainingData data, int batchSize) {
        if (data.validation().size() == 0) return new double[] {Double.NaN, Double.NaN};
        float[] p = Predictor.probabilities(net, data.validation(), data.normalisation(), batchSize);
        int[] labels = data.validation().labels();
        int c = data.validation().classes();
        return new double[] {ClassificationMetrics.accuracy(p, labels, c), ClassificationMetrics.nll(p, labels, c)};
    }
}
