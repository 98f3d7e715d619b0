/**
 * The Spark jobs, one class each: {@code TrainJob} (independent members or packed networks, one
 * task each, or each data-parallel in turn),
 * {@code SnapshotJob} (one run yielding several members, in one task or data-parallel),
 * {@code EvaluateJob} (the test set split across executors; members cached per executor by
 * {@code MemberCache}; metrics from distributed sums and sorts, {@code RankingJobs}; predictions
 * as Parquet, {@code PredictionTable}); with the tasks, the data-parallel driver loop and the
 * progress monitor.
 */
package io.ensembles.jobs;
