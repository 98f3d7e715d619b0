package io.ensembles.device;

import java.util.Arrays;
import java.util.List;

/**
 * Chooses a task's device from what Spark assigned it ({@code TaskContext.resources()}, resource
 * {@code gpu}) and what ND4J offers. One member trains on one device, so a task gets at most one
 * GPU address; several tasks may share one (a fractional {@code spark.task.resource.gpu.amount}:
 * each gets the same address and binds the same device). Spark's addresses are those its
 * discovery script printed (nvidia-smi's indices); where the executor sees only some GPUs through
 * {@code CUDA_VISIBLE_DEVICES}, ND4J numbers them in that list's order, so the address is looked
 * up there.
 */
public final class DeviceSelection {
    public static final String OFF = "off";
    public static final String PREFERRED = "preferred";
    public static final String REQUIRED = "required";

    private DeviceSelection() {}

    /**
     * @param policy             {@code device.gpu}: off, preferred or required
     * @param addresses          the task's GPU addresses from Spark (empty: none assigned)
     * @param cudaBackend        whether ND4J runs on its CUDA backend
     * @param devices            the GPUs ND4J sees (0 on the CPU backend)
     * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES}, or null
     */
    public static Device select(String policy, List<String> addresses, boolean cudaBackend, int devices,
                                String cudaVisibleDevices) {
        if (OFF.equals(policy)) return Device.cpu("device.gpu = off");
        if (!PREFERRED.equals(policy) && !REQUIRED.equals(policy)) {
            throw new DeviceException("invalid value for device.gpu: \"" + policy + "\" (expected off, preferred or required)");
        }
        boolean required = REQUIRED.equals(policy);
        if (addresses == null || addresses.isEmpty()) {
            if (required) {
                throw new DeviceException("device.gpu = required, but Spark assigned this task no GPU (ask for "
                        + "them with spark.executor.resource.gpu.amount and spark.task.resource.gpu.amount; "
                        + "see docs/operations.md, GPU clusters)");
            }
            return Device.cpu(null);
        }
        if (addresses.size() > 1) {
            throw new DeviceException("Spark assigned this task " + addresses.size() + " GPUs " + addresses
                    + ", but a member trains on one: set spark.task.resource.gpu.amount to 1, or to a fraction "
                    + "such as 0.5 to share a GPU between tasks");
        }
        String address = addresses.get(0).trim();
        if (!cudaBackend) {
            if (required) {
                throw new DeviceException("device.gpu = required and Spark assigned GPU address " + address
                        + ", but this build has ND4J's CPU backend: build with -Pcuda (see docs/operations.md, GPU clusters)");
            }
            return Device.cpuInsteadOf(address, "ND4J has the CPU backend");
        }
        int index = ndIndex(address, cudaVisibleDevices);
        if (index >= devices) {
            throw new DeviceException("Spark assigned GPU address " + address + " (device " + index + "), but ND4J "
                    + "sees " + devices + " GPU(s)" + (devices > 0 ? " (0.." + (devices - 1) + ")" : "")
                    + ": check the discovery script and CUDA_VISIBLE_DEVICES");
        }
        return Device.gpu(index, address);
    }

    /** ND4J's device number of a Spark GPU address. */
    static int ndIndex(String address, String cudaVisibleDevices) {
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int at = visible.indexOf(address);
            if (at < 0) {
                throw new DeviceException("Spark assigned GPU address " + address + ", which is not among "
                        + "CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices + " of this executor");
            }
            return at;
        }
        try {
            int i = Integer.parseInt(address);
            if (i < 0) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new DeviceException("Spark assigned GPU address '" + address + "', which is not a device number "
                    + "(expected 0, 1, ... as nvidia-smi lists them, or an entry of CUDA_VISIBLE_DEVICES)");
        }
    }
}
