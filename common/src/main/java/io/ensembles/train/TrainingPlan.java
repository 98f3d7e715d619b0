package io.ensembles.train;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Method;
import io.ensembles.config.EnsembleConfig.SnapshotSection;
import io.ensembles.config.EnsembleConfig.TrainingSection;
import io.ensembles.config.ConfigValidationException;
import io.ensembles.schedule.Dl4jSchedule;
import io.ensembles.schedule.LearningRateSchedule;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one training run does under a method: its per-iteration schedule, how many iterations it
 * runs, and after which iterations it captures a member (snapshot methods only). Derived from the
 * configuration and the number of iterations per epoch, so the single-task trainer and the
 * data-parallel driver follow exactly the same plan.
 *
 * @param iterations the run stops after this many updates (FGE stops at its last capture)
 * @param captures   sorted by iteration; empty for methods whose run is one member
 */
public record TrainingPlan(Method method, Dl4jSchedule schedule, long iterationsPerEpoch, long iterations,
                           List<Capture> captures) implements Serializable {

    /**
     * A member taken from the run: the {@code index}-th capture (0-based), made right after
     * update number {@code iteration} (1-based: that many updates are done), in cycle {@code cycle}
     * (1-based).
     */
    public record Capture(int index, int cycle, long iteration) implements Serializable {}

    public static TrainingPlan of(EnsembleConfig config, long iterationsPerEpoch) {
        TrainingPlan p = unwarmed(config, iterationsPerEpoch);
        long w = Math.round(config.training().warmupEpochs() * p.iterationsPerEpoch());
        if (w <= 0) return p;
        return new TrainingPlan(p.method(), Dl4jSchedule.of(LearningRateSchedule.warmup(p.schedule().schedule(), w)),
                p.iterationsPerEpoch(), p.iterations(), p.captures());
    }

    /** The method's plan without training.warmup-epochs. */
    private static TrainingPlan unwarmed(EnsembleConfig config, long iterationsPerEpoch) {
        TrainingSection t = config.training();
        SnapshotSection s = config.snapshot();
        Method method = config.ensemble().method();
        long ipe = Math.max(1, iterationsPerEpoch);
        long total = ipe * t.epochs();
        double a0 = t.learningRate();
        switch (method) {
            case DEEP, MC_DROPOUT, PACKED -> {
                return new TrainingPlan(method, Dl4jSchedule.of(ordinary(t, ipe, total)), ipe, total, List.of());
            }
            case SINGLE_CYCLE -> {
                return new TrainingPlan(method, Dl4jSchedule.of(LearningRateSchedule.cosine(a0, total)), ipe, total,
                        List.of());
            }
            case SSE -> {
                var sse = (LearningRateSchedule.SnapshotCosine) LearningRateSchedule.snapshotCosine(a0, total, s.cycles());
                return new TrainingPlan(method, Dl4jSchedule.of(sse), ipe, total,
                        cycleEnds(total, sse.cycleLength()));
            }
            case NOCYCLE -> {
                long len = (total + s.cycles() - 1) / s.cycles();
                return new TrainingPlan(method, Dl4jSchedule.of(
                        LearningRateSchedule.twoDrops(a0, s.nocycleDropFactor(), total)), ipe, total,
                        cycleEnds(total, len));
            }
            case FGE -> {
                long pre = ipe * s.fgePretrainEpochs(t);
                long c = Math.max(2, Math.round(s.fgeCycleEpochs() * ipe));
                if (c % 2 != 0) c++; // the low point must fall on an iteration
                List<Capture> caps = new ArrayList<>();
                for (long at = pre + c / 2; at <= total; at += c) caps.add(new Capture(caps.size(), caps.size() + 1, at));
                if (caps.isEmpty()) {
                    throw new ConfigValidationException("invalid value for training.epochs: " + t.epochs()
                            + " (expected enough epochs for FGE to reach the middle of its first cycle: "
                            + (pre + c / 2) + " iterations after " + pre + " of pre-training, at " + ipe
                            + " iterations per epoch)");
                }
                LearningRateSchedule fge = LearningRateSchedule.fge(
                        LearningRateSchedule.fgePretrain(a0, s.fgePretrainFinalRatio(), pre), pre,
                        s.fgeRateHigh(), s.fgeRateLow(), c);
                return new TrainingPlan(method, Dl4jSchedule.of(fge), ipe, caps.get(caps.size() - 1).iteration(),
                        List.copyOf(caps));
            }
        }
        throw new AssertionError(method); // every method has its case above
    }

    /** The configured ordinary schedule (deep ensembles, MC-dropout, packed networks). */
    private static LearningRateSchedule ordinary(TrainingSection t, long ipe, long total) {
        return switch (t.schedule()) {
            case "constant" -> LearningRateSchedule.constant(t.learningRate());
            case "step" -> LearningRateSchedule.step(t.learningRate(), t.stepFactor(), t.stepEpochs(), ipe);
            case "cosine" -> LearningRateSchedule.cosine(t.learningRate(), total);
            default -> throw new IllegalArgumentException("unknown schedule " + t.schedule());
        };
    }

    /** Captures after every full cycle of {@code len} updates, and after the last update. */
    static List<Capture> cycleEnds(long total, long len) {
        List<Capture> caps = new ArrayList<>();
        for (long at = len; at < total; at += len) caps.add(new Capture(caps.size(), caps.size() + 1, at));
        caps.add(new Capture(caps.size(), caps.size() + 1, total));
        return List.copyOf(caps);
    }

    /** The capture made right after update number {@code done}, or null. */
    public Capture captureAfter(long done) {
        for (Capture c : captures) if (c.iteration() == done) return c;
        return null;
    }

    /** The rate of the update that brought the run to {@code done} updates. */
    public double rateOfUpdate(long done) {
        return schedule.rate(Math.max(0, done - 1));
    }

    public boolean snapshots() {
        return !captures.isEmpty();
    }

    /** Epochs of training behind {@code done} updates. */
    public double epochsAt(long done) {
        return done / (double) iterationsPerEpoch;
    }
}
