/**
 * What an evaluation of a stored ensemble does, decided without Spark: its options, the plan (which
 * members, which predictors, which model files, what is left out and why) and the typed record of the
 * run that {@code metrics.json} keeps beside the metrics.
 */
package io.ensembles.evaluation;
