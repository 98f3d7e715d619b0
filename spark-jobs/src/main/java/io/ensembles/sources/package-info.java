/**
 * Data sets as tables: any format Spark SQL reads (and the project's IDX and digits readers),
 * decoded on the executors into the typed example sets of {@code io.ensembles.data}, with every
 * defect reported before training as one line naming the source, column and row.
 * {@link io.ensembles.sources.Inputs} picks the reader a configuration names. A training table too
 * large for the driver is streamed instead: {@link io.ensembles.sources.StreamPlanner} decides and
 * has the executors measure it, {@link io.ensembles.sources.StreamedTable} is what the tasks carry,
 * {@link io.ensembles.sources.StreamedSource} a member's epochs over its Parquet row groups.
 */
package io.ensembles.sources;
