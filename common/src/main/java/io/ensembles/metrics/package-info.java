/**
 * Metrics of predicted probabilities, as the ensemble and uncertainty literature computes them:
 * accuracy, error, NLL, Brier, ECE and adaptive ECE, temperature scaling with test-time
 * cross-validation (calibrated NLL), diversity (disagreement, KL), OOD detection (AUROC, AUPR,
 * FPR at 95% TPR with max-probability, entropy and mutual-information scores) and the
 * deep-ensemble equivalent. Pure functions on whole arrays, and the same metrics as mergeable
 * sums ({@code EnsembleStatistics}, {@code TemperatureCrossValidation.Round}) that a cluster fills per
 * partition.
 */
package io.ensembles.metrics;
