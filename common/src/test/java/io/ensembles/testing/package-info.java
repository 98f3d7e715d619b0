/**
 * The test fixtures every module's tests share, shipped as common's test jar: the real data sets
 * and the configurations over them. Spark's own fixtures (the local session, the loopback cluster)
 * live in the spark-jobs tests, the only ones that run Spark.
 */
package io.ensembles.testing;
