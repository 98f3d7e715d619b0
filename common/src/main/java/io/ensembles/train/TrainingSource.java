package io.ensembles.train;

import io.ensembles.data.InputShape;
import io.ensembles.data.Normalisation;
import java.util.Iterator;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * What a member trains on, however it is stored: the examples' shape, classes and normalisation,
 * the minibatches of each epoch, and the validation split. {@link InMemorySource} holds a training
 * set in memory (a broadcast); a streamed table reads its row groups as it goes. Either way an
 * epoch's batches depend only on the member's seed and the epoch number, so a member resumed from
 * its checkpoint sees the batches an undisturbed run would have seen.
 */
public interface TrainingSource {
    InputShape shape();

    List<String> classNames();

    default int classes() {
        return classNames().size();
    }

    Normalisation normalisation();

    /** How many examples {@code member} trains on per epoch (its bootstrap's size when it bags). */
    long epochExamples(MemberSpec member);

    /** The minibatches of {@code member}'s epoch {@code epoch} (0-based), in training order. */
    Epoch epoch(MemberSpec member, int epoch, int batchSize);

    /** Validation accuracy and NLL (of the mean of a packed network's heads), NaN without a validation split. */
    double[] validate(ComputationGraph net, int batchSize);

    /** The collapse guard of {@code margin} on this source's validation split. */
    CollapseGuard collapseGuard(double margin);

    /** One epoch's batches; closing it releases whatever the epoch holds open (files, buffers). */
    interface Epoch extends Iterator<DataSet>, AutoCloseable {
        @Override
        void close();

        /** An epoch over batches already in memory. */
        static Epoch of(Iterator<DataSet> batches) {
            return new Epoch() {
                @Override
                public boolean hasNext() {
                    return batches.hasNext();
                }

                @Override
                public DataSet next() {
                    return batches.next();
                }

                @Override
                public void close() {}
            };
        }
    }
}
