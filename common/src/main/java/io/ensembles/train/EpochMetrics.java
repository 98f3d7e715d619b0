package io.ensembles.train;

import java.io.Serializable;

/** What one epoch of a member produced (epoch is 1-based). Validation values are NaN without a validation split. */
public record EpochMetrics(int epoch, double trainLoss, double validationAccuracy, double validationNll,
                           double learningRate, double seconds) implements Serializable {}
