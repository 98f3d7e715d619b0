package io.ensembles.train;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The result of training one member: a finished network, or a failure with its reason (no
 * network). {@code epochsRun} counts the epochs this attempt trained; {@code resumedFromEpoch}
 * the epochs a checkpoint already held (0 when trained from scratch). {@code collapseReason} is
 * set when a finished network is no better than chance ({@link CollapseGuard}).
 */
public record MemberOutcome(MemberSpec member, boolean completed, String failureReason, ComputationGraph net,
                            List<EpochMetrics> history, int epochsRun, int resumedFromEpoch,
                            double trainingSeconds, String collapseReason) {
    public MemberOutcome(MemberSpec member, boolean completed, String failureReason, ComputationGraph net,
                         List<EpochMetrics> history, int epochsRun, int resumedFromEpoch, double trainingSeconds) {
        this(member, completed, failureReason, net, history, epochsRun, resumedFromEpoch, trainingSeconds, null);
    }

    /** The finished outcome judged by {@code guard} on its last epoch's validation accuracy. */
    public MemberOutcome judgedBy(CollapseGuard guard) {
        if (!completed || last() == null) return this;
        return new MemberOutcome(member, completed, failureReason, net, history, epochsRun, resumedFromEpoch,
                trainingSeconds, guard.verdict(last().validationAccuracy()));
    }

    public EpochMetrics last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }
}
