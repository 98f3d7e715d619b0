package io.ensembles.schedule;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Hands a {@link LearningRateSchedule} to DL4J's updater. DL4J stores the schedule inside the
 * model's JSON configuration, so this class is plain data (kind and numbers) that rebuilds the
 * schedule, and a restored checkpoint continues the same schedule from its iteration count.
 */
public final class Dl4jSchedule implements ISchedule {
    private final String kind;
    private final double rate;
    private final double factor;
    private final int everyEpochs;
    private final long iterationsPerEpoch;
    private final long totalIterations;
    private transient LearningRateSchedule schedule;

    public Dl4jSchedule(@JsonProperty("kind") String kind, @JsonProperty("rate") double rate,
                        @JsonProperty("factor") double factor, @JsonProperty("everyEpochs") int everyEpochs,
                        @JsonProperty("iterationsPerEpoch") long iterationsPerEpoch,
                        @JsonProperty("totalIterations") long totalIterations) {
        this.kind = kind;
        this.rate = rate;
        this.factor = factor;
        this.everyEpochs = everyEpochs;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.totalIterations = totalIterations;
    }

    public static Dl4jSchedule of(String kind, double rate, double factor, int everyEpochs,
                                  long iterationsPerEpoch, long totalIterations) {
        return new Dl4jSchedule(kind, rate, factor, everyEpochs, iterationsPerEpoch, totalIterations);
    }

    public LearningRateSchedule schedule() {
        if (schedule == null) {
            schedule = switch (kind) {
                case "constant" -> LearningRateSchedule.constant(rate);
                case "step" -> LearningRateSchedule.step(rate, factor, everyEpochs, iterationsPerEpoch);
                case "cosine" -> LearningRateSchedule.cosine(rate, totalIterations);
                default -> throw new IllegalArgumentException("unknown schedule '" + kind + "'");
            };
        }
        return schedule;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return schedule().rate(iteration);
    }

    @Override
    public ISchedule clone() {
        return new Dl4jSchedule(kind, rate, factor, everyEpochs, iterationsPerEpoch, totalIterations);
    }

    @JsonProperty("kind") public String getKind() { return kind; }
    @JsonProperty("rate") public double getRate() { return rate; }
    @JsonProperty("factor") public double getFactor() { return factor; }
    @JsonProperty("everyEpochs") public int getEveryEpochs() { return everyEpochs; }
    @JsonProperty("iterationsPerEpoch") public long getIterationsPerEpoch() { return iterationsPerEpoch; }
    @JsonProperty("totalIterations") public long getTotalIterations() { return totalIterations; }
}
