package io.ensembles.train;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Receives the members a run captures (snapshot methods). Called on the training thread right
 * after the capturing update; the network keeps training afterwards, so an implementation must
 * serialise or copy it before returning.
 */
public interface SnapshotSink {
    /**
     * @param rate   the learning rate of the update just made
     * @param epochs epochs of training behind the snapshot (fractional when mid-epoch)
     */
    void capture(MemberSpec run, TrainingPlan.Capture capture, ComputationGraph net, double rate, double epochs,
                 double validationAccuracy, double validationNll) throws IOException;

    SnapshotSink NONE = (run, capture, net, rate, epochs, acc, nll) -> { };
}
