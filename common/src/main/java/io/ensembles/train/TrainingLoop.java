package io.ensembles.train;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.EnsembleConfig.TrainingSection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop of every run, local or data-parallel (the {@link UpdateStep} says how
 * updates are taken): resumption from the newest checkpoint, the epochs of the method's plan, a
 * divergence guard on every update, the captures of a snapshot method handed to the sink where the
 * plan puts them, validation and a checkpoint after every epoch, and the collapse guard at the end.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final EnsembleConfig config;
    private final TrainingPlan plan;
    private final TrainingSource data;
    private final Checkpoint.Store store;
    private final TrainingListener listener;
    private final SnapshotSink sink;

    /** The state of one attempt: the network, its history and where it started. */
    private static final class Attempt {
        final long started = System.nanoTime();
        final List<EpochMetrics> history = new ArrayList<>();
        ComputationGraph net;
        int startEpoch;
        double priorSeconds;
        int epochsDone;
        int nextCapture; // the first capture not yet passed: captures are in iteration order

        double seconds() {
            return priorSeconds + (System.nanoTime() - started) / 1e9;
        }
    }

    public TrainingLoop(EnsembleConfig config, TrainingPlan plan, TrainingSource data, Checkpoint.Store store,
                        TrainingListener listener, SnapshotSink sink) {
        this.config = config;
        this.plan = plan;
        this.data = data;
        this.store = store;
        this.listener = listener;
        this.sink = sink;
    }

    /**
     * Trains {@code member} from its checkpoint, or from {@code initial} (called only when there is
     * none), taking updates with {@code step}. A resumed run repeats the captures after its
     * checkpoint; the sink keeps the first stored copy.
     */
    public MemberOutcome run(MemberSpec member, UpdateStep step, Initial initial) throws IOException {
        TrainingSection t = config.training();
        CollapseGuard guard = data.collapseGuard(t.collapseMargin());
        Attempt a = start(member, initial);
        listener.onStart(member, a.startEpoch);
        for (int epoch = a.startEpoch; epoch < t.epochs() && a.net.getIterationCount() < plan.iterations(); epoch++) {
            long epochStart = System.nanoTime();
            double lossSum = 0;
            double penaltySum = 0;
            int updates = 0;
            try (UpdateStep.Epoch e = step.epoch(member, epoch)) {
                while (e.hasNext() && a.net.getIterationCount() < plan.iterations()) {
                    long iteration = a.net.getIterationCount();
                    UpdateStep.Update u = e.next(a.net, maxUpdates(a, iteration));
                    String diverged = divergence(u.loss(), epoch, iteration);
                    if (diverged != null) {
                        LOG.warn("member {}: {}", member.id(), diverged);
                        store.clear();
                        return new MemberOutcome(member, false, diverged, null, a.history, epoch - a.startEpoch,
                                a.startEpoch, a.seconds());
                    }
                    lossSum += u.loss();
                    penaltySum += u.penalty();
                    updates++;
                    if (iteration % t.logEveryIterations() == 0) {
                        listener.onIteration(member, epoch + 1, iteration, u.loss(), u.penalty(),
                                plan.schedule().valueAt((int) iteration, epoch));
                    }
                    capture(member, a, guard);
                }
            }
            endEpoch(member, a, epoch, epochStart, lossSum / updates, penaltySum / updates);
        }
        MemberOutcome done = new MemberOutcome(member, true, null, a.net, List.copyOf(a.history),
                a.epochsDone - a.startEpoch, a.startEpoch, a.seconds()).judgedBy(guard);
        if (done.collapseReason() != null) LOG.warn("member {}: {}", member.id(), done.collapseReason());
        return done;
    }

    /** The network a run starts from when it has no checkpoint. */
    @FunctionalInterface
    public interface Initial {
        ComputationGraph network() throws IOException;
    }

    private Attempt start(MemberSpec member, Initial initial) throws IOException {
        Attempt a = new Attempt();
        Checkpoint resumed = store.load();
        if (resumed != null) {
            a.net = resumed.net();
            a.startEpoch = resumed.epochsDone();
            a.history.addAll(resumed.history());
            a.priorSeconds = resumed.trainingSeconds();
            LOG.info("member {}: resuming from the checkpoint of epoch {} (iteration {})", member.id(), a.startEpoch,
                    a.net.getIterationCount());
        } else {
            a.net = initial.network();
        }
        a.epochsDone = a.startEpoch;
        return a;
    }

    /**
     * Updates until the next capture or the plan's end, whichever comes first. Called before every
     * update: the cursor moves past the captures behind, so this costs nothing per minibatch.
     */
    private long maxUpdates(Attempt a, long iteration) {
        List<TrainingPlan.Capture> captures = plan.captures();
        while (a.nextCapture < captures.size() && captures.get(a.nextCapture).iteration() <= iteration) a.nextCapture++;
        long max = plan.iterations() - iteration;
        return a.nextCapture < captures.size() ? Math.min(max, captures.get(a.nextCapture).iteration() - iteration) : max;
    }

    /** Why the run stops as diverged at this loss, or null. */
    private String divergence(double loss, int epoch, long iteration) {
        TrainingSection t = config.training();
        if (Double.isFinite(loss) && loss <= t.divergenceLoss()) return null;
        return String.format("training diverged: loss %s at epoch %d, iteration %d (limit training.divergence-loss "
                        + "= %s; learning rate %.4g may be too high)", loss, epoch + 1, iteration, t.divergenceLoss(),
                plan.schedule().valueAt((int) iteration, epoch));
    }

    /** Hands the network to the sink when the plan has a capture after its latest update. */
    private void capture(MemberSpec member, Attempt a, CollapseGuard guard) throws IOException {
        long iteration = a.net.getIterationCount();
        TrainingPlan.Capture capture = plan.captureAfter(iteration);
        if (capture == null) return;
        double[] v = data.validate(a.net, config.evaluation().batchSize());
        double rate = plan.rateOfUpdate(iteration);
        LOG.info("member {}: capture {} (cycle {}) after update {} at rate {}", member.id(), capture.index() + 1,
                capture.cycle(), capture.iteration(), String.format("%.3g", rate));
        String collapsed = guard.verdict(v[0]);
        if (collapsed != null) LOG.warn("member {}: capture {} {}", member.id(), capture.index() + 1, collapsed);
        sink.capture(member, new SnapshotSink.Taken(capture, rate, plan.epochsAt(iteration), v[0], v[1],
                List.copyOf(a.history), a.seconds(), collapsed), a.net);
    }

    /** Validation, the epoch's metrics, its checkpoint, then the listener (which may inject a test fault). */
    private void endEpoch(MemberSpec member, Attempt a, int epoch, long epochStart, double loss, double penalty)
            throws IOException {
        TrainingSection t = config.training();
        a.net.incrementEpochCount();
        a.epochsDone = epoch + 1;
        double[] v = data.validate(a.net, config.evaluation().batchSize());
        EpochMetrics m = new EpochMetrics(epoch + 1, loss, v[0], v[1],
                plan.schedule().valueAt(a.net.getIterationCount(), epoch), (System.nanoTime() - epochStart) / 1e9,
                penalty);
        a.history.add(m);
        store.save(new Checkpoint(a.net, epoch + 1, List.copyOf(a.history), a.seconds()));
        LOG.info("member {}: epoch {}/{} loss {} (+ weight decay {}) val acc {} val nll {} ({} s)", member.id(),
                epoch + 1, t.epochs(), fmt(m.trainLoss()), fmt(m.penalty()), fmt(v[0]), fmt(v[1]), fmt(m.seconds()));
        listener.onEpochEnd(member, m, t.epochs());
    }

    private static String fmt(double v) {
        return String.format("%.4f", v);
    }
}
