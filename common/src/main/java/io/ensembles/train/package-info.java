/**
 * Training one run: the method's plan (schedule, length, capture points), the trainer, its epoch
 * checkpoints, listeners, snapshot sinks and native thread limits. Spark-free.
 */
package io.ensembles.train;
