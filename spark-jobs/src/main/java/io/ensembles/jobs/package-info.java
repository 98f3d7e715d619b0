/**
 * The Spark jobs, one class each: {@code TrainJob} (independent members, one task each),
 * {@code SnapshotJob} (one run yielding several members, in one task or data-parallel),
 * {@code EvaluateJob}; with the tasks, the data-parallel driver loop and the progress monitor.
 */
package io.ensembles.jobs;
