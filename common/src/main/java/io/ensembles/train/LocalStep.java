package io.ensembles.train;

import io.ensembles.config.EnsembleConfig.TrainingSection;
import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Updates in this JVM: one minibatch of the run's {@link TrainingSource} per update. */
public final class LocalStep implements UpdateStep {
    private final TrainingSource data;
    private final TrainingSection training;

    public LocalStep(TrainingSource data, TrainingSection training) {
        this.data = data;
        this.training = training;
    }

    @Override
    public Epoch epoch(MemberSpec member, int epoch) throws IOException {
        TrainingSource.Epoch batches = data.epoch(member, epoch, training.batchSize());
        return new Epoch() {
            private double penalty = Double.NaN;

            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public Update next(ComputationGraph net, long maxUpdates) {
                long iteration = net.getIterationCount();
                // DL4J's score is the data loss plus the weight-decay term of the weights before the
                // update; both are reported, apart. The term moves slowly and costs a pass over the
                // weights (2% of an MLP's update), so it is measured at every logged iteration only.
                if (Double.isNaN(penalty) || iteration % training.logEveryIterations() == 0) {
                    penalty = training.weightDecay() > 0 ? net.calcRegularizationScore(true) : 0;
                }
                MemberTrainer.fit(net, batches.next());
                // a packed network's score is the sum of its M heads' losses: report the mean head's
                return new Update(1, (net.score() - penalty) / net.getNumOutputArrays(), penalty);
            }

            @Override
            public void close() {
                batches.close();
            }
        };
    }
}
