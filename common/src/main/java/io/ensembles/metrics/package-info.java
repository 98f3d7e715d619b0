/** Metrics of predicted probabilities: accuracy, error, NLL, ECE, and the averaging of members. */
package io.ensembles.metrics;
