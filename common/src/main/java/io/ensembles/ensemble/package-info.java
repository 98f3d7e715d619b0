/** Using members: class probabilities of a network on a data set. */
package io.ensembles.ensemble;
