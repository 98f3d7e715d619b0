package io.ensembles.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The result of training one member: a finished network, or a failure with its reason (no
 * network). {@code epochsRun} counts the epochs this attempt trained; {@code resumedFromEpoch}
 * the epochs a checkpoint already held (0 when trained from scratch).
 */
public record MemberOutcome(MemberSpec member, boolean completed, String failureReason, ComputationGraph net,
                            List<EpochMetrics> history, int epochsRun, int resumedFromEpoch,
                            double trainingSeconds) {
    public EpochMetrics last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }
}
