package io.ensembles.schedule;

import java.io.Serializable;

/**
 * A learning rate per iteration, the way the reference implementations update it (every
 * iteration, not every epoch). Pure functions of the 0-based iteration index {@code i} of the
 * update about to be made; the papers' 1-based iteration is {@code t = i + 1}. No state.
 */
public interface LearningRateSchedule extends Serializable {
    /** The rate of the update at 0-based iteration {@code iteration}. */
    double rate(long iteration);

    /** A fixed rate. */
    static LearningRateSchedule constant(double rate) {
        return new Constant(rate);
    }

    /** {@code rate * factor^floor(epoch / everyEpochs)}, the epoch being {@code iteration / iterationsPerEpoch}. */
    static LearningRateSchedule step(double rate, double factor, int everyEpochs, long iterationsPerEpoch) {
        return new Step(rate, factor, everyEpochs, iterationsPerEpoch);
    }

    /** One cosine cycle from {@code rate} down to 0 over {@code totalIterations}. */
    static LearningRateSchedule cosine(double rate, long totalIterations) {
        return new Cosine(rate, totalIterations);
    }

    /**
     * Snapshot Ensembles (Huang et al. 2017): M cosine cycles over T iterations,
     * {@code a(t) = a0/2 * (cos(pi * ((t-1) mod ceil(T/M)) / ceil(T/M)) + 1)}.
     */
    static LearningRateSchedule snapshotCosine(double rate0, long totalIterations, int cycles) {
        return new SnapshotCosine(rate0, totalIterations, cycles);
    }

    /**
     * The "NoCycle" control of Huang et al.: an ordinary run whose rate drops by {@code factor} at
     * 50% and again at 75% of the T iterations (the usual ResNet schedule; the seed's "two drops").
     */
    static LearningRateSchedule twoDrops(double rate0, double factor, long totalIterations) {
        return new TwoDrops(rate0, factor, totalIterations);
    }

    /**
     * The pre-training schedule of the FGE reference code: {@code rate0} for the first half of the
     * P iterations, then a linear decay to {@code ratio * rate0} at 90%, held to the end.
     */
    static LearningRateSchedule fgePretrain(double rate0, double ratio, long pretrainIterations) {
        return new FgePretrain(rate0, ratio, pretrainIterations);
    }

    /**
     * Fast Geometric Ensembling (Garipov et al. 2018): {@code pre} for the first P iterations, then
     * triangular cycles of c iterations, {@code t = ((i-1) mod c + 1)/c} over the 1-based iteration i
     * after pre-training; {@code (1-2t) a1 + 2t a2} for t <= 1/2, {@code (2-2t) a2 + (2t-1) a1} after.
     * The rate reaches a2 at the middle of each cycle, where a member is collected.
     */
    static LearningRateSchedule fge(LearningRateSchedule pre, long pretrainIterations, double rateHigh,
                                    double rateLow, long cycleIterations) {
        return new Fge(pre, pretrainIterations, rateHigh, rateLow, cycleIterations);
    }

    /**
     * Linear warm-up in front of any schedule: the update at 0-based iteration i &lt; W is made at
     * {@code inner.rate(i) * (i + 1) / W} (Goyal et al. 2017's gradual warm-up), then at {@code inner}'s rate.
     */
    static LearningRateSchedule warmup(LearningRateSchedule inner, long iterations) {
        return iterations <= 0 ? inner : new Warmup(inner, iterations);
    }

    record Warmup(LearningRateSchedule inner, long iterations) implements LearningRateSchedule {
        @Override public double rate(long iteration) {
            double r = inner.rate(iteration);
            return iteration < iterations ? r * (iteration + 1) / iterations : r;
        }
    }

    record Constant(double rate0) implements LearningRateSchedule {
        @Override public double rate(long iteration) { return rate0; }
    }

    record Step(double rate0, double factor, int everyEpochs, long iterationsPerEpoch) implements LearningRateSchedule {
        @Override public double rate(long iteration) {
            long epoch = iteration / Math.max(1, iterationsPerEpoch);
            return rate0 * Math.pow(factor, epoch / everyEpochs);
        }
    }

    record Cosine(double rate0, long totalIterations) implements LearningRateSchedule {
        @Override public double rate(long iteration) {
            double t = Math.min(iteration, totalIterations) / (double) Math.max(1, totalIterations);
            return rate0 / 2 * (Math.cos(Math.PI * t) + 1);
        }
    }

    record SnapshotCosine(double rate0, long totalIterations, int cycles) implements LearningRateSchedule {
        public SnapshotCosine {
            if (cycles < 1 || totalIterations < 1) throw new IllegalArgumentException("cycles and T must be >= 1");
        }

        /** ceil(T/M), the length of every cycle but possibly the last. */
        public long cycleLength() {
            return (totalIterations + cycles - 1) / cycles;
        }

        @Override public double rate(long iteration) {
            long len = cycleLength();
            return rate0 / 2 * (Math.cos(Math.PI * (iteration % len) / len) + 1);
        }
    }

    record TwoDrops(double rate0, double factor, long totalIterations) implements LearningRateSchedule {
        @Override public double rate(long iteration) {
            double f = iteration / (double) Math.max(1, totalIterations);
            return f < 0.5 ? rate0 : f < 0.75 ? rate0 * factor : rate0 * factor * factor;
        }
    }

    record FgePretrain(double rate0, double ratio, long pretrainIterations) implements LearningRateSchedule {
        @Override public double rate(long iteration) {
            double t = iteration / (double) Math.max(1, pretrainIterations);
            double f = t <= 0.5 ? 1.0 : t <= 0.9 ? 1.0 - (1.0 - ratio) * (t - 0.5) / 0.4 : ratio;
            return rate0 * f;
        }
    }

    record Fge(LearningRateSchedule pre, long pretrainIterations, double rateHigh, double rateLow,
               long cycleIterations) implements LearningRateSchedule {
        public Fge {
            if (cycleIterations < 2 || cycleIterations % 2 != 0) {
                throw new IllegalArgumentException("the FGE cycle must be an even number of iterations >= 2, not "
                        + cycleIterations);
            }
        }

        @Override public double rate(long iteration) {
            if (iteration < pretrainIterations) return pre.rate(iteration);
            long i = iteration - pretrainIterations + 1; // 1-based within the cycles
            double t = ((i - 1) % cycleIterations + 1) / (double) cycleIterations;
            return t <= 0.5 ? (1 - 2 * t) * rateHigh + 2 * t * rateLow
                    : (2 - 2 * t) * rateLow + (2 * t - 1) * rateHigh;
        }
    }
}
