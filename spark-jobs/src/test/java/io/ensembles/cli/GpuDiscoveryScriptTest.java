package io.ensembles.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit/gpu-discovery against a fake nvidia-smi placed first on the PATH (this machine has no GPU). */
class GpuDiscoveryScriptTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    private Run discover(Path path) throws IOException, InterruptedException {
        File script = new File("../submit/gpu-discovery").getCanonicalFile();
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", script.getPath());
        pb.environment().put("PATH", path.toString());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int code = p.waitFor();
        return new Run(code, Files.readString(out).trim(), Files.readString(err).trim());
    }

    private Path fakeNvidiaSmi(String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/bash\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    @Test
    void listsTheGpusAsSparkJson() throws Exception {
        Run r = discover(fakeNvidiaSmi("echo 0; echo 1; echo ' 2 '"));
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\"]}", r.out());
    }

    @Test
    void failsClearlyWithoutAGpu() throws Exception {
        // what nvidia-smi does on a host whose driver sees no device
        Run r = discover(fakeNvidiaSmi("echo 'No devices were found'; exit 6"));
        assertEquals(1, r.code());
        assertEquals("gpu-discovery: nvidia-smi failed: No devices were found", r.err());
        assertEquals("", r.out());
        r = discover(fakeNvidiaSmi("exit 0"));
        assertEquals(1, r.code());
        assertEquals("gpu-discovery: nvidia-smi lists no GPU", r.err());
        r = discover(fakeNvidiaSmi("echo 'GPU 0: Tesla T4'"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unexpected line from nvidia-smi: 'GPU0:TeslaT4'"), r.err());
    }

    @Test
    void failsClearlyWithoutNvidiaSmi() throws Exception {
        Run r = discover(Files.createDirectories(dir.resolve("empty")));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("gpu-discovery: nvidia-smi is not on PATH"), r.err());
        assertEquals("", r.out());
    }
}
