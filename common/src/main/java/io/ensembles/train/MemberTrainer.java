package io.ensembles.train;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.EnsembleConfig.TrainingSection;
import io.ensembles.data.Batches;
import io.ensembles.data.ImageDataset;
import io.ensembles.data.TrainingData;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.model.ModelFactory;
import io.ensembles.schedule.Dl4jSchedule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one member: minibatch SGD under the configured schedule, a divergence guard checked at
 * every iteration, validation metrics and a checkpoint at the end of every epoch, and resumption
 * from the newest checkpoint. Spark-free: a Spark task, a test or a benchmark calls it alike.
 */
public final class MemberTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTrainer.class);

    private final EnsembleConfig config;

    public MemberTrainer(EnsembleConfig config) {
        this.config = config;
    }

    /** The training examples a member sees: the training split, or a bootstrap resample of it. */
    public static ImageDataset trainingSetOf(MemberSpec member, TrainingData data) {
        return member.bagging() ? TrainingData.bootstrap(data.train(), member.seed() ^ 0x5DEECE66DL) : data.train();
    }

    /** The configured schedule for a training set of this size (iterations per epoch follow from it). */
    public Dl4jSchedule scheduleFor(ImageDataset train) {
        TrainingSection t = config.training();
        long itersPerEpoch = (train.size() + t.batchSize() - 1) / t.batchSize();
        return Dl4jSchedule.of(t.schedule(), t.learningRate(), t.stepFactor(), t.stepEpochs(),
                itersPerEpoch, itersPerEpoch * t.epochs());
    }

    public ComputationGraph newNetwork(MemberSpec member, ImageDataset train) {
        TrainingSection t = config.training();
        return ModelFactory.build(member.architecture(), config.model(), train.rows(), train.cols(), train.classes(),
                member.seed(), new ModelFactory.Optimizer(scheduleFor(train), t.momentum(), t.weightDecay()));
    }

    public MemberOutcome train(MemberSpec member, TrainingData data, Checkpoint.Store store, TrainingListener listener)
            throws IOException {
        TrainingSection t = config.training();
        ImageDataset train = trainingSetOf(member, data);
        Checkpoint resumed = store.load();
        ComputationGraph net;
        List<EpochMetrics> history = new ArrayList<>();
        int startEpoch = 0;
        double priorSeconds = 0;
        if (resumed != null) {
            net = resumed.net();
            startEpoch = resumed.epochsDone();
            history.addAll(resumed.history());
            priorSeconds = resumed.trainingSeconds();
            LOG.info("member {}: resuming from the checkpoint of epoch {}", member.id(), startEpoch);
        } else {
            net = newNetwork(member, train);
        }
        Dl4jSchedule schedule = scheduleFor(train);
        long attemptStart = System.nanoTime();
        for (int epoch = startEpoch; epoch < t.epochs(); epoch++) {
            long epochStart = System.nanoTime();
            // The data order of an epoch depends only on (member seed, epoch): a resumed member sees
            // exactly the batches it would have seen without the interruption.
            int[] order = TrainingData.permutation(train.size(), new Random(member.seed() * 31 + epoch));
            double lossSum = 0;
            int batches = 0;
            for (int from = 0; from < train.size(); from += t.batchSize()) {
                int to = Math.min(train.size(), from + t.batchSize());
                long iteration = net.getIterationCount();
                DataSet batch = Batches.batch(train, order, from, to, data.normalisation());
                net.fit(batch);
                double loss = net.score();
                if (!Double.isFinite(loss) || loss > t.divergenceLoss()) {
                    String reason = String.format("training diverged: loss %s at epoch %d, iteration %d "
                                    + "(limit training.divergence-loss = %s; learning rate %.4g may be too high)",
                            loss, epoch + 1, iteration, t.divergenceLoss(), schedule.valueAt((int) iteration, epoch));
                    LOG.warn("member {}: {}", member.id(), reason);
                    store.clear();
                    return new MemberOutcome(member, false, reason, null, history, epoch - startEpoch, startEpoch,
                            priorSeconds + seconds(attemptStart));
                }
                lossSum += loss;
                batches++;
                if (iteration % t.logEveryIterations() == 0) {
                    listener.onIteration(member, epoch + 1, iteration, loss, schedule.valueAt((int) iteration, epoch));
                }
            }
            net.incrementEpochCount();
            double valAcc = Double.NaN;
            double valNll = Double.NaN;
            if (data.validation().size() > 0) {
                float[] p = Predictor.probabilities(net, data.validation(), data.normalisation(),
                        config.evaluation().batchSize());
                int[] labels = data.validation().labels();
                valAcc = ClassificationMetrics.accuracy(p, labels, train.classes());
                valNll = ClassificationMetrics.nll(p, labels, train.classes());
            }
            EpochMetrics m = new EpochMetrics(epoch + 1, lossSum / batches, valAcc, valNll,
                    schedule.valueAt(net.getIterationCount(), epoch), seconds(epochStart));
            history.add(m);
            store.save(new Checkpoint(net, epoch + 1, List.copyOf(history), priorSeconds + seconds(attemptStart)));
            LOG.info("member {}: epoch {}/{} loss {} val acc {} val nll {} ({} s)", member.id(), epoch + 1,
                    t.epochs(), fmt(m.trainLoss()), fmt(valAcc), fmt(valNll), fmt(m.seconds()));
            listener.onEpochEnd(member, m, t.epochs());
        }
        return new MemberOutcome(member, true, null, net, List.copyOf(history), t.epochs() - startEpoch, startEpoch,
                priorSeconds + seconds(attemptStart));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String fmt(double v) {
        return String.format("%.4f", v);
    }
}
