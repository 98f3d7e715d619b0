package io.ensembles.train;

import java.io.Serializable;

/**
 * What one epoch of a member produced (epoch is 1-based). {@code trainLoss} is the mean data loss
 * (cross-entropy, of the mean head for a packed network) over the epoch's minibatches and
 * {@code penalty} the mean weight-decay term 0.5 * lambda * |w|^2 beside it, measured at every
 * logged iteration (0 in records older than the field, whose trainLoss included it).
 * Validation values are NaN without a validation split.
 */
public record EpochMetrics(int epoch, double trainLoss, double validationAccuracy, double validationNll,
                           double learningRate, double seconds, double penalty) implements Serializable {
    public EpochMetrics(int epoch, double trainLoss, double validationAccuracy, double validationNll,
                        double learningRate, double seconds) {
        this(epoch, trainLoss, validationAccuracy, validationNll, learningRate, seconds, 0);
    }
}
