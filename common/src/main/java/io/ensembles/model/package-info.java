/** Network definitions: every architecture (MLP, CNN, residual CNN) built as a DL4J ComputationGraph. */
package io.ensembles.model;
