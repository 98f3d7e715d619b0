package io.ensembles.jobs;

import io.ensembles.device.Device;
import io.ensembles.device.DeviceSelection;
import io.ensembles.fs.Fs;
import io.ensembles.train.NativeRuntime;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the running task to its device before it creates any array: the GPU that Spark's resource
 * scheduling assigned it ({@code TaskContext.resources()}, resource "gpu"), chosen by
 * {@link DeviceSelection} under {@code device.gpu}. ND4J's affinity manager binds devices per
 * thread, and a Spark task runs in one thread, so binding here covers the whole member.
 */
public final class TaskDevice {
    private static final Logger LOG = LoggerFactory.getLogger(TaskDevice.class);
    /** The resource name Spark's GPU settings use (spark.task.resource.gpu.amount). */
    static final String GPU = "gpu";

    private TaskDevice() {}

    /** The GPU addresses Spark assigned the current task (empty outside a task or when none). */
    static List<String> assignedGpus() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return List.of();
        ResourceInformation gpus = tc.resourcesJMap().get(GPU);
        return gpus == null ? List.of() : List.of(gpus.addresses());
    }

    /**
     * What every task that trains or predicts does first, in this order: the driver's Hadoop
     * settings, the device (a GPU must be bound before any array exists), then the native threads.
     * Returns the device for the records.
     */
    public static Device startTask(Map<String, String> hadoop, String gpuPolicy, int threads) {
        Fs.configure(hadoop);
        Device d = bind(gpuPolicy);
        NativeRuntime.limitThreads(threads);
        return d;
    }

    /** Chooses the device, binds this thread to it when it is a GPU, and returns it. */
    static Device bind(String policy) {
        boolean cuda = NativeRuntime.cudaBuild();
        int devices = cuda ? Nd4j.getAffinityManager().getNumberOfDevices() : 0;
        Device d = DeviceSelection.select(policy, assignedGpus(), cuda, devices, System.getenv("CUDA_VISIBLE_DEVICES"));
        if (d.gpu()) Nd4j.getAffinityManager().unsafeSetDevice(d.index());
        // worth a line when a GPU is involved; the plain CPU case is every task's on a CPU cluster
        if (d.gpu() || d.address() != null) LOG.info("task device: {}", d.description());
        else LOG.debug("task device: {}", d.description());
        return d;
    }
}
