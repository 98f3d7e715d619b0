/**
 * Which device a task computes on: the GPU Spark's resource scheduling assigned it, mapped to an
 * ND4J device index, or the CPU, under the configured policy ({@code device.gpu}). Pure logic,
 * so that every case can be tested on a machine without a GPU; binding happens in the Spark task.
 */
package io.ensembles.device;
