package io.ensembles.train;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.Normalisation;
import io.ensembles.data.TrainingData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A training set held in memory (read by the driver and broadcast, or loaded by a test): each
 * epoch is a seeded permutation of the member's training examples, its bootstrap when it bags.
 */
public final class InMemorySource implements TrainingSource {
    private final EnsembleConfig config;
    private final TrainingData data;
    private final Map<Long, ExampleSet> sets = new HashMap<>(); // a member's examples, by seed and index

    public InMemorySource(EnsembleConfig config, TrainingData data) {
        this.config = config;
        this.data = data;
    }

    public TrainingData data() {
        return data;
    }

    /** The examples {@code member} trains on (bootstrapped, or with permuted labels for debugging). */
    public synchronized ExampleSet trainingSet(MemberSpec member) {
        return sets.computeIfAbsent(member.seed() * 31 + member.index(),
                k -> MemberTrainer.trainingSetOf(config, member, data));
    }

    @Override
    public InputShape shape() {
        return data.train().shape();
    }

    @Override
    public List<String> classNames() {
        return data.train().classNames();
    }

    @Override
    public Normalisation normalisation() {
        return data.normalisation();
    }

    @Override
    public long epochExamples(MemberSpec member) {
        return trainingSet(member).size();
    }

    @Override
    public Epoch epoch(MemberSpec member, int epoch, int batchSize) {
        ExampleSet train = trainingSet(member);
        int[] order = TrainingData.permutation(train.size(), new Random(member.seed() * 31 + epoch));
        return Epoch.of(new java.util.Iterator<>() {
            int from = 0;

            @Override
            public boolean hasNext() {
                return from < train.size();
            }

            @Override
            public DataSet next() {
                if (!hasNext()) throw new NoSuchElementException();
                int to = Math.min(train.size(), from + batchSize);
                DataSet b = Batches.batch(train, order, from, to, data.normalisation());
                from = to;
                return b;
            }
        });
    }

    @Override
    public double[] validate(ComputationGraph net, int batchSize) {
        return MemberTrainer.validate(net, data, batchSize);
    }

    @Override
    public CollapseGuard collapseGuard(double margin) {
        return CollapseGuard.of(margin, data.validation());
    }
}
