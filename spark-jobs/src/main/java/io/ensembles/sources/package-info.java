/**
 * Data sets as tables: any format Spark SQL reads (and the project's IDX and digits readers),
 * decoded on the executors into the typed example sets of {@code io.ensembles.data}, with every
 * defect reported before training as one line naming the source, column and row.
 * {@link io.ensembles.sources.Inputs} picks the reader a configuration names.
 */
package io.ensembles.sources;
