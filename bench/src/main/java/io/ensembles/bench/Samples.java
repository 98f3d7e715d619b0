package io.ensembles.bench;

import java.util.List;
import org.apache.spark.sql.SparkSession;

/** What the job benchmarks share: the Spark they run on, and the median and range of their timings. */
final class Samples {
    /** Where Debian's dataset-fashion-mnist installs the IDX files (submit/setup installs it). */
    static final String FASHION_MNIST = "file:///usr/share/datasets/fashion-mnist/";

    private Samples() {}

    /** A Spark session on loopback, no UI, one core per task (the members' thread budget). */
    static SparkSession spark(String master, String app) {
        return SparkSession.builder().master(master).appName(app)
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.task.cpus", "1").getOrCreate();
    }

    static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
