/**
 * Grouped layers for DL4J: a dense layer and a convolution whose weight is block-diagonal over
 * {@code groups} groups of channels. The dense layer computes every group in one batched matrix
 * product; the convolution runs one oneDNN convolution per group inside the one layer (ND4J's
 * im2col is far too slow to batch them, see {@link GroupedConvolutionImpl}). Either way, what
 * surrounds them (batch norm, activations, shortcuts, pooling) runs once over all groups.
 * Packed-Ensembles are built from them ({@link io.ensembles.model.ModelFactory}); DL4J
 * 1.0.0-M2.1 has neither.
 */
package io.ensembles.model.grouped;
