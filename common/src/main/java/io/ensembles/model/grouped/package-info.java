/**
 * Grouped layers for DL4J: a dense layer and a convolution whose weight is block-diagonal over
 * {@code groups} groups of channels, computed for every group in one batched matrix product
 * (the convolution after one {@code im2col} of the whole input). Packed-Ensembles are built from
 * them ({@link io.ensembles.model.ModelFactory}); DL4J 1.0.0-M2.1 has neither.
 */
package io.ensembles.model.grouped;
