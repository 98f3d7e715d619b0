package io.ensembles.train;

import java.io.IOException;
import java.io.Serializable;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Where a member's first weights come from when it is not initialised afresh: retraining with
 * {@code retrain.init = warm-start} starts each member from the same member of the current version.
 * The network itself is still built from the configuration (its optimizer and schedule are the new
 * run's); only the parameters are copied, so the parameter layout must be the same.
 */
public interface WarmStart extends Serializable {
    /** The stored network whose parameters this member (or packed network) starts from; null = fresh. */
    ComputationGraph source(MemberSpec member) throws IOException;

    /** Where the weights come from, for the logs and the manifest. */
    String describe();
}
