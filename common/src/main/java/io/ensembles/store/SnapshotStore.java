package io.ensembles.store;

import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.SnapshotSink;
import io.ensembles.train.TrainingPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
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
    private final Supplier<String> executor;
    private final Supplier<List<EpochMetrics>> history;
    private final int attempt;
    private final long started = System.nanoTime();
    private final double priorSeconds;
    private final List<MemberRecord> stored = new ArrayList<>();

    /**
     * @param history      the run's epoch history so far (recorded with each snapshot)
     * @param priorSeconds training seconds of earlier attempts (a resumed run)
     */
    public SnapshotStore(EnsembleLayout layout, String method, TrainingPlan plan, int attempt, double priorSeconds,
                         Supplier<String> executor, Supplier<List<EpochMetrics>> history) {
        this.layout = layout;
        this.method = method;
        this.plan = plan;
        this.attempt = attempt;
        this.priorSeconds = priorSeconds;
        this.executor = executor;
        this.history = history;
    }

    /** The id of the member made by the {@code index}-th capture. */
    public static String idOf(int index) {
        return MemberSpec.idOf(index);
    }

    @Override
    public void capture(MemberSpec run, TrainingPlan.Capture c, ComputationGraph net, double rate, double epochs,
                        double validationAccuracy, double validationNll) throws IOException {
        double previous = c.index() == 0 ? 0 : plan.epochsAt(plan.captures().get(c.index() - 1).iteration());
        MemberRecord r = new MemberRecord(idOf(c.index()), c.index(), method, run.architecture().id(), run.seed(),
                run.bagging(), MemberRecord.COMPLETED, null, null, null, net.numParams(),
                (int) Math.ceil(epochs - 1e-9), 0, 0, attempt + 1,
                priorSeconds + (System.nanoTime() - started) / 1e9, validationAccuracy, validationNll,
                List.copyOf(history.get()), executor.get(), epochs - previous,
                new MemberRecord.Snapshot(c.cycle(), c.iteration(), epochs, rate));
        stored.add(new MemberStore(layout, r.id()).storeFinal(net, r));
    }

    /** Every capture of the plan already stored complete and verified, or null if any is missing. */
    public static List<MemberRecord> allStored(EnsembleLayout layout, TrainingPlan plan) {
        List<MemberRecord> out = new ArrayList<>();
        for (TrainingPlan.Capture c : plan.captures()) {
            MemberRecord r = new MemberStore(layout, idOf(c.index())).finishedRecord();
            if (r == null) return null;
            out.add(r);
        }
        return out;
    }

    /** The members stored by this run (or found stored by an earlier attempt), in capture order. */
    public List<MemberRecord> stored() {
        List<MemberRecord> out = new ArrayList<>(stored);
        out.sort(Comparator.comparingInt(MemberRecord::index));
        return out;
    }
}
