package io.ensembles.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's GPU scheduling on a real standalone cluster with fake GPUs (a Worker of 2 cores whose
 * resources file lists GPU addresses 0 and 1; no device behind them): the application asks for
 * GPUs as it would on a GPU cluster, Spark gives each member task an address, and the manifest
 * records it. This build has ND4J's CPU backend, so with device.gpu = preferred every member falls
 * back to the CPU and says which address it was given; with required the job fails saying why.
 */
@Tag("cluster")
class GpuSchedulingClusterIT {
    @TempDir
    static Path dir;

    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(dir.resolve("cluster"), 1, 2, 2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) cluster.close();
    }

    private static LocalCluster.Cmd train(Path out, String taskGpus, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--config", "conf/quickstart.conf",
                "--members", "2", "--epochs", "1", "--limit", "1000", "--set", "model.architectures=[mlp]",
                "--master", cluster.master(), "--out", out.toString(),
                "--spark-conf", "spark.executor.cores=2",
                "--spark-conf", "spark.executor.resource.gpu.amount=2",
                "--spark-conf", "spark.task.resource.gpu.amount=" + taskGpus));
        args.addAll(List.of(extra));
        return cluster.ensemble(dir.resolve(out.getFileName() + ".log"), 600, args.toArray(String[]::new));
    }

    private static Set<String> addresses(Path out) {
        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
        Set<String> seen = new TreeSet<>();
        for (MemberRecord r : m.members()) {
            assertTrue(r.completed(), r.id() + ": " + r.failureReason());
            assertTrue(r.device().startsWith("cpu (Spark GPU address ") && r.device().endsWith(
                    "assigned; ND4J has the CPU backend)"), r.device());
            seen.add(r.device().replaceAll(".*address (\\S+) assigned.*", "$1"));
        }
        return seen;
    }

    @Test
    void eachTaskIsGivenItsOwnGpuAddressAndTheManifestRecordsIt() throws Exception {
        Path out = dir.resolve("one-per-task");
        LocalCluster.Cmd r = train(out, "1");
        assertEquals(0, r.exitCode(), r.output());
        Set<String> seen = addresses(out);
        assertEquals(Set.of("0", "1"), seen, "two tasks at once on one executor: addresses 0 and 1");
        System.out.printf("[cluster] GPU scheduling, spark.task.resource.gpu.amount=1: members got addresses %s%n",
                seen);

        // half a GPU per task: both tasks run at once on the first address
        Path shared = dir.resolve("half-per-task");
        r = train(shared, "0.5");
        assertEquals(0, r.exitCode(), r.output());
        Set<String> sharedSeen = addresses(shared);
        assertEquals(1, sharedSeen.size(), "two tasks share one address: " + sharedSeen);
        System.out.printf("[cluster] GPU scheduling, spark.task.resource.gpu.amount=0.5: members got addresses %s%n",
                sharedSeen);
    }

    @Test
    void requiredGpusOnACpuBuildFailWithTheReason() throws Exception {
        Path out = dir.resolve("required");
        LocalCluster.Cmd r = train(out, "1", "--set", "device.gpu=required", "--spark-conf", "spark.task.maxFailures=1");
        assertEquals(1, r.exitCode(), r.output());
        String error = r.output().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse(r.output());
        assertTrue(error.contains("device.gpu = required and Spark assigned GPU address")
                && error.contains("this build has ND4J's CPU backend: build with -Pcuda"), error);
    }
}
