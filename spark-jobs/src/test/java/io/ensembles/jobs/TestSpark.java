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
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,3]")
                    .appName("ensembles-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.task.cpus", "1")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
