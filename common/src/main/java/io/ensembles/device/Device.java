package io.ensembles.device;

import java.io.Serializable;

/**
 * The device a task computes on: a GPU ({@code index} is ND4J's device number, {@code address}
 * Spark's GPU address) or the CPU ({@code index} -1; {@code address} the GPU Spark assigned but
 * that is not used, or null). {@code description} is what the log and the manifest say.
 */
public record Device(boolean gpu, int index, String address, String description) implements Serializable {
    public static Device cpu(String why) {
        return new Device(false, -1, null, why == null ? "cpu" : "cpu (" + why + ")");
    }

    public static Device cpuInsteadOf(String address, String why) {
        return new Device(false, -1, address, "cpu (Spark GPU address " + address + " assigned; " + why + ")");
    }

    public static Device gpu(int index, String address) {
        return new Device(true, index, address, "gpu " + index + " (Spark GPU address " + address + ")");
    }
}
