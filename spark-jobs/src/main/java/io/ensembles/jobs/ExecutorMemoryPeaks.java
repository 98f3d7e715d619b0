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

    /** Starts the driver's heap peaks afresh (the JVM keeps one per memory pool; the live peak is ours). */
    static void resetDriverPeak() {
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) pool.resetPeakUsage();
        }
        LiveHeap.PEAK.set(0);
        LiveHeap.listen();
    }

    /**
     * The driver's peak heap after a collection since {@link #resetDriverPeak}, in MiB: the largest
     * heap in use right after a garbage collection. An upper bound of what the driver holds (a
     * young collection leaves the old generation's garbage in place), and closer to it than the
     * sum of the pools' peaks, which counts all garbage and can exceed -Xmx. 0 when no collection ran.
     */
    static double driverPeakLiveHeapMiB() {
        return Math.round(LiveHeap.PEAK.get() / 1048576.0 * 10) / 10.0;
    }

    /** Listens to the JVM's collections, once per JVM, for the heap left after each. */
    private static final class LiveHeap {
        static final java.util.concurrent.atomic.AtomicLong PEAK = new java.util.concurrent.atomic.AtomicLong();
        private static boolean listening;

        static synchronized void listen() {
            if (listening) return;
            listening = true;
            for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                if (!(gc instanceof javax.management.NotificationEmitter emitter)) continue;
                emitter.addNotificationListener((n, handback) -> {
                    if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                            .equals(n.getType())) return;
                    var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                            (javax.management.openmbean.CompositeData) n.getUserData());
                    long used = 0;
                    for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                        var after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                        if (pool.getType() == java.lang.management.MemoryType.HEAP && after != null) used += after.getUsed();
                    }
                    PEAK.accumulateAndGet(used, Math::max);
                }, null, null);
            }
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
