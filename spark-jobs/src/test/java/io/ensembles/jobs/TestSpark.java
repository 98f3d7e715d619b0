package io.ensembles.jobs;

import org.apache.spark.sql.SparkSession;

/**
 * One real local Spark for the whole test JVM: two task slots, and up to 3 attempts per task
 * (local[N,F]) so that retries happen as they would on a cluster.
 */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    public static synchronized SparkSession get() {
        // a command run in-process with --in-spark stops the session it was given: start another
        if (session == null || session.sparkContext().isStopped()) {
            session = SparkSession.builder()
                    .master("local[2,3]")
                    .appName("ensembles-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.task.cpus", "1")
                    .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        }
        return session;
    }
}
