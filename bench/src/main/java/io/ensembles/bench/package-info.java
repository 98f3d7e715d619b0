/**
 * Benchmarks and the tables of docs/benchmarks: throughput against ND4J's peak, member-parallel and
 * parameter-averaging scaling, evaluation throughput, the method comparison, and the cost and
 * table of Packed-Ensembles. Each prints figures with ratios to a baseline measured in the same run.
 */
package io.ensembles.bench;
