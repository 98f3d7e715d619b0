package io.ensembles.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Device choice for every shape of what Spark can assign a task, on the CPU and the CUDA backend. */
class DeviceSelectionTest {
    private static String fails(String policy, List<String> addresses, boolean cuda, int devices, String visible) {
        return assertThrows(DeviceException.class,
                () -> DeviceSelection.select(policy, addresses, cuda, devices, visible)).getMessage();
    }

    @Test
    void oneAddressBindsThatGpu() {
        Device d = DeviceSelection.select("preferred", List.of("1"), true, 2, null);
        assertTrue(d.gpu());
        assertEquals(1, d.index());
        assertEquals("gpu 1 (Spark GPU address 1)", d.description());
        assertEquals(d, DeviceSelection.select("required", List.of("1"), true, 2, null));
    }

    @Test
    void noAddressMeansTheCpuUnlessAGpuIsRequired() {
        assertEquals(Device.cpu(null), DeviceSelection.select("preferred", List.of(), true, 2, null));
        assertEquals("cpu", DeviceSelection.select("preferred", List.of(), false, 0, null).description());
        String m = fails("required", List.of(), true, 2, null);
        assertTrue(m.startsWith("device.gpu = required, but Spark assigned this task no GPU"), m);
        assertEquals("cpu (device.gpu = off)", DeviceSelection.select("off", List.of("0"), true, 2, null).description());
    }

    @Test
    void severalAddressesAreRefusedWithWhatToSet() {
        String m = fails("preferred", List.of("0", "1"), true, 2, null);
        assertTrue(m.contains("assigned this task 2 GPUs [0, 1]") && m.contains("spark.task.resource.gpu.amount"), m);
    }

    @Test
    void tasksSharingAGpuBindTheSameDevice() {
        // spark.task.resource.gpu.amount = 0.5: two tasks at once get the same address
        Device a = DeviceSelection.select("preferred", List.of("0"), true, 1, null);
        Device b = DeviceSelection.select("preferred", List.of("0"), true, 1, null);
        assertEquals(a, b);
        assertEquals(0, a.index());
    }

    @Test
    void aCpuBuildFallsBackOnlyWhenAllowed() {
        Device d = DeviceSelection.select("preferred", List.of("1"), false, 0, null);
        assertFalse(d.gpu());
        assertEquals("1", d.address());
        assertEquals("cpu (Spark GPU address 1 assigned; ND4J has the CPU backend)", d.description());
        String m = fails("required", List.of("1"), false, 0, null);
        assertTrue(m.contains("this build has ND4J's CPU backend: build with -Pcuda"), m);
    }

    @Test
    void addressesMapThroughCudaVisibleDevices() {
        // an executor restricted to GPUs 2 and 3 sees them as ND4J devices 0 and 1
        assertEquals(1, DeviceSelection.select("required", List.of("3"), true, 2, "2,3").index());
        assertEquals(0, DeviceSelection.select("required", List.of("GPU-1a2b"), true, 1, "GPU-1a2b").index());
        assertTrue(fails("required", List.of("5"), true, 2, "2,3").contains("not among CUDA_VISIBLE_DEVICES=2,3"));
    }

    @Test
    void badAddressesAndMissingDevicesAreNamed() {
        String m = fails("required", List.of("2"), true, 2, null);
        assertTrue(m.contains("GPU address 2 (device 2), but ND4J sees 2 GPU(s) (0..1)"), m);
        m = fails("preferred", List.of("GPU-1a2b"), true, 2, null);
        assertTrue(m.contains("'GPU-1a2b', which is not a device number"), m);
        assertTrue(fails("preferred", List.of("-1"), true, 2, null).contains("not a device number"));
        assertTrue(fails("always", List.of(), true, 2, null).contains("invalid value for device.gpu: \"always\""));
    }
}
