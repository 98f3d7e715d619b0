/**
 * The loss-landscape view of an ensemble (Fort, Hu and Lakshminarayanan, "Deep Ensembles: A Loss
 * Landscape Perspective"): how alike checkpoints are in weight space (cosine similarity of their
 * parameters) and in function space (disagreement of their predictions, and a t-SNE map of them),
 * and the loss along the straight line between two solutions. Pure computations on stored
 * networks and predictions.
 */
package io.ensembles.landscape;
