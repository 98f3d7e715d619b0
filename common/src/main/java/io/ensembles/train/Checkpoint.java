package io.ensembles.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** A member's state at the end of an epoch: the network with its updater state, and the history so far. */
public record Checkpoint(ComputationGraph net, int epochsDone, List<EpochMetrics> history, double trainingSeconds) {

    /** Where checkpoints live; the trainer does not care whether that is HDFS, a local disk or memory. */
    public interface Store {
        /** The newest complete checkpoint, or null. */
        Checkpoint load() throws java.io.IOException;

        void save(Checkpoint checkpoint) throws java.io.IOException;

        void clear() throws java.io.IOException;
    }
}
