/**
 * Network definitions: every architecture (MLP, CNN, residual CNN) built as a DL4J ComputationGraph,
 * plain or packed ({@code Packing}: M members in one network of gamma*M parallel paths, M heads).
 */
package io.ensembles.model;
