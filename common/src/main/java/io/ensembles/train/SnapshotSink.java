package io.ensembles.train;

import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Receives the members a run captures (snapshot methods). Called on the training thread right
 * after the capturing update; the network keeps training afterwards, so an implementation must
 * serialise or copy it before returning.
 */
public interface SnapshotSink {
    /**
     * What the run knows at a capture.
     *
     * @param rate            the learning rate of the update just made
     * @param epochs          epochs of training behind the snapshot (fractional when mid-epoch)
     * @param history         the run's finished epochs so far
     * @param trainingSeconds the run's training time so far, earlier attempts included
     * @param collapseReason  why the snapshot is no better than chance ({@link CollapseGuard}), or null
     */
    record Taken(TrainingPlan.Capture capture, double rate, double epochs, double validationAccuracy,
                 double validationNll, List<EpochMetrics> history, double trainingSeconds, String collapseReason) {}

    void capture(MemberSpec run, Taken snapshot, ComputationGraph net) throws IOException;

    SnapshotSink NONE = (run, snapshot, net) -> { };
}
