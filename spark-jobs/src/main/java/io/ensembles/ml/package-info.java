/**
 * The Spark ML face of the project, for users' own applications: {@link io.ensembles.ml.EnsembleModel}
 * (a stored ensemble as a Model / Transformer that adds probabilities and uncertainty to a
 * DataFrame) and {@link io.ensembles.ml.EnsembleEstimator} (trains one from a DataFrame).
 */
package io.ensembles.ml;
