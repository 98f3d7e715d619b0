package io.ensembles.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerStageExecutorMetrics;
import scala.collection.JavaConverters;

/**
 * Peak memory of every executor while a job runs, from Spark's own executor metrics (sent with
 * heartbeats and at stage ends): JVM heap, JVM off-heap, and the resident set of the executor's
 * process tree, which is what counts for ND4J, whose arrays live outside the JVM heap.
 * The process-tree figure needs {@code spark.executor.processTreeMetrics.enabled=true}.
 */
final class ExecutorMemoryPeaks extends SparkListener {
    static final String[] METRICS = {"JVMHeapMemory", "JVMOffHeapMemory", "ProcessTreeJVMRSSMemory"};

    private final Map<String, long[]> peaks = new ConcurrentHashMap<>();

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (ExecutorMetrics m : JavaConverters.mapAsJavaMapConverter(update.executorUpdates()).asJava().values()) {
            record(update.execId(), m);
        }
    }

    @Override
    public void onStageExecutorMetrics(SparkListenerStageExecutorMetrics e) {
        record(e.execId(), e.executorMetrics());
    }

    private void record(String executor, ExecutorMetrics m) {
        long[] p = peaks.computeIfAbsent(executor, k -> new long[METRICS.length]);
        synchronized (p) {
            for (int i = 0; i < METRICS.length; i++) p[i] = Math.max(p[i], m.getMetricValue(METRICS[i]));
        }
    }

    /** executor id -> metric -> peak in MiB (0 where Spark reported nothing). */
    Map<String, Map<String, Long>> peaksMiB() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        peaks.forEach((exec, p) -> {
            Map<String, Long> m = new LinkedHashMap<>();
            synchronized (p) {
                for (int i = 0; i < METRICS.length; i++) m.put(METRICS[i], p[i] >> 20);
            }
            out.put(exec, m);
        });
        return out;
    }

    /** Starts the driver's heap peak afresh (the JVM keeps one per memory pool). */
    static void resetDriverPeak() {
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) pool.resetPeakUsage();
        }
    }

    /**
     * The driver's peak heap since {@link #resetDriverPeak}, in MiB: the sum of the heap pools'
     * peaks, an upper bound of the heap's own peak (the pools peak at different moments).
     */
    static double driverPeakHeapMiB() {
        long bytes = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }
}
