package io.ensembles.train;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * How a {@link TrainingLoop} takes its updates: one minibatch at a time in this JVM
 * ({@link LocalStep}), or a round of parameter averaging across Spark workers (the data-parallel
 * run of the jobs module). Everything else a run does (resumption, data order, captures,
 * checkpoints, the divergence and collapse guards) is the loop's, the same for both.
 */
public interface UpdateStep extends AutoCloseable {
    /** The updates of epoch {@code epoch} (0-based) of {@code member}. */
    Epoch epoch(MemberSpec member, int epoch) throws IOException;

    /** What some updates did: how many, the mean head's data loss and the weight-decay term of the weights. */
    record Update(long updates, double loss, double penalty) {}

    /** One epoch's updates, in order; a local step's data order depends only on (member seed, epoch). */
    interface Epoch extends AutoCloseable {
        boolean hasNext();

        /** Takes the next updates, at most {@code maxUpdates} (the loop stops at captures and at the plan's end). */
        Update next(ComputationGraph net, long maxUpdates) throws IOException;

        @Override
        void close();
    }

    /** Releases what the step holds for the run (broadcasts, accumulators); the default holds nothing. */
    @Override
    default void close() {}
}
