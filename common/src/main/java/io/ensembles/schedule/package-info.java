/**
 * Learning-rate schedules updated every iteration (constant, step, cosine, SSE's cyclic cosine,
 * FGE's pre-training and triangular cycles, NoCycle's two drops), and their adapter to DL4J's updaters.
 */
package io.ensembles.schedule;
