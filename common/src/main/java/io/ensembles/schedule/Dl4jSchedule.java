package io.ensembles.schedule;

import io.ensembles.schedule.LearningRateSchedule.Constant;
import io.ensembles.schedule.LearningRateSchedule.Cosine;
import io.ensembles.schedule.LearningRateSchedule.Fge;
import io.ensembles.schedule.LearningRateSchedule.FgePretrain;
import io.ensembles.schedule.LearningRateSchedule.SnapshotCosine;
import io.ensembles.schedule.LearningRateSchedule.Step;
import io.ensembles.schedule.LearningRateSchedule.TwoDrops;
import java.util.Arrays;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Hands a {@link LearningRateSchedule} to DL4J's updater. DL4J stores the schedule inside the
 * model's JSON configuration (and Spark's parameter averaging ships that configuration to the
 * workers), so this class is plain data, a kind and its numbers, that rebuilds the schedule; a
 * restored checkpoint continues the same schedule from its iteration count.
 */
public final class Dl4jSchedule implements ISchedule {
    private final String kind;
    private final double[] params;
    /** Iterations of linear warm-up in front of the schedule (0 = none; absent in models saved before it). */
    private final long warmup;
    private transient LearningRateSchedule schedule;

    public Dl4jSchedule(String kind, double[] params) {
        this(kind, params, 0L);
    }

    public Dl4jSchedule(@JsonProperty("kind") String kind, @JsonProperty("params") double[] params,
                        @JsonProperty("warmup") Long warmup) {
        this.kind = kind;
        this.params = params.clone();
        this.warmup = warmup == null ? 0 : warmup;
    }

    /** The adapter of any schedule this package defines. */
    public static Dl4jSchedule of(LearningRateSchedule s) {
        if (s instanceof LearningRateSchedule.Warmup w) {
            Dl4jSchedule inner = of(w.inner());
            return new Dl4jSchedule(inner.kind, inner.params, w.iterations());
        }
        if (s instanceof Constant c) return new Dl4jSchedule("constant", new double[] {c.rate0()});
        if (s instanceof Step st) {
            return new Dl4jSchedule("step", new double[] {st.rate0(), st.factor(), st.everyEpochs(),
                    st.iterationsPerEpoch()});
        }
        if (s instanceof Cosine c) return new Dl4jSchedule("cosine", new double[] {c.rate0(), c.totalIterations()});
        if (s instanceof SnapshotCosine c) {
            return new Dl4jSchedule("sse", new double[] {c.rate0(), c.totalIterations(), c.cycles()});
        }
        if (s instanceof TwoDrops d) {
            return new Dl4jSchedule("nocycle", new double[] {d.rate0(), d.factor(), d.totalIterations()});
        }
        if (s instanceof Fge f && f.pre() instanceof FgePretrain p) {
            return new Dl4jSchedule("fge", new double[] {p.rate0(), p.ratio(), p.pretrainIterations(),
                    f.pretrainIterations(), f.rateHigh(), f.rateLow(), f.cycleIterations()});
        }
        throw new IllegalArgumentException("no DL4J adapter for " + s);
    }

    public LearningRateSchedule schedule() {
        if (schedule == null) {
            double[] p = params;
            schedule = switch (kind) {
                case "constant" -> LearningRateSchedule.constant(p[0]);
                case "step" -> LearningRateSchedule.step(p[0], p[1], (int) p[2], (long) p[3]);
                case "cosine" -> LearningRateSchedule.cosine(p[0], (long) p[1]);
                case "sse" -> LearningRateSchedule.snapshotCosine(p[0], (long) p[1], (int) p[2]);
                case "nocycle" -> LearningRateSchedule.twoDrops(p[0], p[1], (long) p[2]);
                case "fge" -> LearningRateSchedule.fge(LearningRateSchedule.fgePretrain(p[0], p[1], (long) p[2]),
                        (long) p[3], p[4], p[5], (long) p[6]);
                default -> throw new IllegalArgumentException("unknown schedule '" + kind + "'");
            };
            if (warmup > 0) schedule = LearningRateSchedule.warmup(schedule, warmup);
        }
        return schedule;
    }

    /** The rate at 0-based iteration {@code iteration}. */
    public double rate(long iteration) {
        return schedule().rate(iteration);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return schedule().rate(iteration);
    }

    @Override
    public ISchedule clone() {
        return new Dl4jSchedule(kind, params, warmup);
    }

    @JsonProperty("kind") public String getKind() { return kind; }
    @JsonProperty("params") public double[] getParams() { return params.clone(); }
    @JsonProperty("warmup") public long getWarmup() { return warmup; }

    @Override
    public String toString() {
        return kind + Arrays.toString(params) + (warmup > 0 ? " after " + warmup + " warm-up iterations" : "");
    }
}
