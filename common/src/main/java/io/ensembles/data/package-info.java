/** Data sets: readers for IDX (MNIST family) and scikit-learn digits on any Hadoop filesystem, the seeded train/validation split, normalisation, bootstrap resampling and minibatches. */
package io.ensembles.data;
