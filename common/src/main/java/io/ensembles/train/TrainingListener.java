package io.ensembles.train;

/** Hooks into a member's training: progress reporting, and fault injection in tests. */
public interface TrainingListener {
    /** Before the attempt's first epoch: {@code startEpoch} is 0, or the epochs its checkpoint already holds. */
    default void onStart(MemberSpec member, int startEpoch) {}

    /**
     * Every few iterations (the configured interval): the minibatch's data loss and, apart, the
     * weight-decay term 0.5 * lambda * |w|^2.
     */
    default void onIteration(MemberSpec member, int epoch, long iteration, double loss, double penalty,
                             double learningRate) {}

    /** After epoch {@code m.epoch()} is finished and its checkpoint is written. */
    default void onEpochEnd(MemberSpec member, EpochMetrics m, int epochs) {}

    TrainingListener NONE = new TrainingListener() {};
}
