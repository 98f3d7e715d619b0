package io.ensembles.store;

import io.ensembles.train.MemberSpec;
import io.ensembles.train.SnapshotSink;
import io.ensembles.train.TrainingPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Stores every capture of a snapshot run as a finished ensemble member ({@code members/m000},
 * {@code m001}, ...) the moment it is taken, with the same atomic write and first-copy-wins rule
 * as independent members: a resumed run that captures a snapshot again keeps the stored one.
 */
public final class SnapshotStore implements SnapshotSink {
    private final EnsembleLayout layout;
    private final String method;
    private final TrainingPlan plan;
    private final int attempt;
    private final String executor;
    private final String device;

    /** @param attempt the 0-based attempt of the task (or driver run) that trains the run */
    public SnapshotStore(EnsembleLayout layout, String method, TrainingPlan plan, int attempt, String executor,
                         String device) {
        this.device = device;
        this.layout = layout;
        this.method = method;
        this.plan = plan;
        this.attempt = attempt;
        this.executor = executor;
    }

    /** The id of the member made by the {@code index}-th capture. */
    public static String idOf(int index) {
        return MemberSpec.idOf(index);
    }

    @Override
    public void capture(MemberSpec run, Taken t, ComputationGraph net) throws IOException {
        TrainingPlan.Capture c = t.capture();
        double previous = c.index() == 0 ? 0 : plan.epochsAt(plan.captures().get(c.index() - 1).iteration());
        MemberRecord r = MemberRecord.builder()
                .member(idOf(c.index()), c.index(), method, run.architecture().id(), run.seed(), run.bagging())
                .status(MemberRecord.finishedStatus(t.collapseReason()), t.collapseReason())
                .parameters(net.numParams()).epochs((int) Math.ceil(t.epochs() - 1e-9), 0, 0).attempts(attempt + 1)
                .trainingSeconds(t.trainingSeconds()).validation(t.validationAccuracy(), t.validationNll())
                .history(t.history()).executor(executor).epochsSpent(t.epochs() - previous)
                .snapshot(new MemberRecord.Snapshot(c.cycle(), c.iteration(), t.epochs(), t.rate())).device(device)
                .build();
        MemberCommit.of(layout, r.id()).storeFinal(net, r);
    }

    /** Every capture of the plan already stored complete and verified, or null if any is missing. */
    public static List<MemberRecord> allStored(EnsembleLayout layout, TrainingPlan plan) {
        List<MemberRecord> out = new ArrayList<>();
        for (TrainingPlan.Capture c : plan.captures()) {
            MemberRecord r = MemberCommit.of(layout, idOf(c.index())).finishedRecord();
            if (r == null) return null;
            out.add(r);
        }
        return out;
    }
}
