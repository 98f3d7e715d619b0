package io.ensembles.schedule;

import java.io.Serializable;

/**
 * A learning rate per iteration, the way the reference implementations update it (every
 * iteration, not every epoch). Pure functions of the 0-based iteration; no state.
 */
public interface LearningRateSchedule extends Serializable {
    /** The rate at 0-based iteration {@code iteration}. */
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
}
