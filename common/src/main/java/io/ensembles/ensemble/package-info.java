/** Using members: class probabilities of a network on a data set, and MC-dropout's stochastic passes. */
package io.ensembles.ensemble;
