package io.ensembles.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.ModelIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streamed training table on the loopback standalone cluster (two executors in JVMs of their
 * own): the members equal, weight for weight, the members trained in local mode (one executor),
 * and an executor killed while its member trains costs nothing but time: the retried member resumes
 * from its checkpoint and ends with the very weights of the undisturbed run. The kill finds the
 * members at a file barrier after their first epoch's checkpoint, so no step depends on timing.
 */
@Tag("cluster")
class StreamedClusterIT {
    static final String FM = FashionMnist.DIR + "/";

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static Path config;

    @BeforeAll
    static void startClusterAndWriteTheTables() throws Exception {
        cluster = LocalCluster.start(dir.resolve("cluster"), 2);
        Path train = dir.resolve("train");
        Path test = dir.resolve("test");
        for (String[] t : List.of(new String[] {"train", "6000", train.toString()},
                new String[] {"t10k", "1000", test.toString()})) {
            LocalCluster.Cmd c = cluster.ensemble(dir.resolve("convert-" + t[0] + ".log"), 300, "convert", "--format",
                    "idx", "--images", "file://" + FM + t[0] + "-images-idx3-ubyte.gz", "--labels",
                    "file://" + FM + t[0] + "-labels-idx1-ubyte.gz", "--limit", t[1], "--output", t[2]);
            assertEquals(0, c.exitCode(), c.output());
        }
        config = dir.resolve("streamed.conf");
        Files.writeString(config, """
                ensemble { name = "streamed", members = 2, seed = 42 }
                data.train { format = parquet, path = "file://%s", image-column = image }
                data.test { format = parquet, path = "file://%s", image-column = image }
                # stream whatever the size, mixing through a buffer of a third of the table
                data { broadcast-max-mb = 0, shuffle-buffer = 2000 }
                model.architectures = [cnn]
                training { epochs = 3, batch-size = 64, learning-rate = 0.05, schedule = cosine }
                """.formatted(train, test));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) cluster.close();
    }

    private static String[] train(Path out, String master) {
        return new String[] {"train", "--config", config.toString(), "--master", master, "--out", out.toString()};
    }

    @Test
    void streamedMembersAreTheSameOnOneExecutorOrTwoAndAfterAnExecutorIsKilled() throws Exception {
        Path local = dir.resolve("local");
        LocalCluster.Cmd l = cluster.ensemble(dir.resolve("local.log"), 600, train(local, "local[2]"));
        assertEquals(0, l.exitCode(), l.output());
        assertTrue(l.output().contains("streamed by the member tasks"), "the log says which path");

        Path clean = dir.resolve("clean");
        LocalCluster.Cmd c = cluster.ensemble(dir.resolve("clean.log"), 600, train(clean, cluster.master()));
        assertEquals(0, c.exitCode(), c.output());

        Path killed = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        // both members wait at the barrier after their epoch-1 checkpoint (debug.hold-members): the
        // kill finds them there, whatever the machine's speed, and the retry streams epoch 2 afresh
        Path barrier = Files.createDirectories(dir.resolve("barrier"));
        Process run = LocalCluster.launch(log, LocalCluster.holding(train(killed, cluster.master()), barrier, "[0,1]"));
        assertTrue(LocalCluster.await(barrier.resolve("m000.held"), 600), "m000 never reached the barrier");
        assertTrue(LocalCluster.await(barrier.resolve("m001.held"), 600), "m001 never reached the barrier");
        List<ProcessHandle> executors = cluster.executors();
        assertEquals(2, executors.size(), "one executor per worker");
        executors.get(0).destroyForcibly();
        executors.get(0).onExit().get(30, TimeUnit.SECONDS);
        LocalCluster.release(barrier, "m000", "m001");
        assertTrue(run.waitFor(600, TimeUnit.SECONDS), "the job did not finish");
        assertEquals(0, run.exitValue(), Files.readString(log));

        Manifest ml = manifest(local);
        Manifest mc = manifest(clean);
        Manifest mk = manifest(killed);
        assertEquals("streamed", mc.data().get("path"));
        MemberRecord resumed = null;
        for (int i = 0; i < 2; i++) {
            assertTrue(mc.members().get(i).executor().startsWith("executor "), mc.members().get(i).executor());
            float[] w = params(local, ml.members().get(i));
            assertArrayEquals(w, params(clean, mc.members().get(i)), "member " + i + ": two executors against one");
            assertArrayEquals(w, params(killed, mk.members().get(i)), "member " + i + ": after the kill");
            // and the same file, byte for byte: a member's SHA-256 depends only on its weights
            assertEquals(ml.members().get(i).sha256(), mc.members().get(i).sha256(), "member " + i + ": SHA-256, two executors against one");
            assertEquals(ml.members().get(i).sha256(), mk.members().get(i).sha256(), "member " + i + ": SHA-256 after the kill");
            if (mk.members().get(i).attempts() > 1) resumed = mk.members().get(i);
        }
        assertTrue(resumed != null && resumed.resumedFromEpoch() >= 1, "a member resumed from its checkpoint: "
                + mk.members());
        System.out.printf("[cluster] streamed: member %s resumed from epoch %d after its executor was killed; its "
                + "weights and file (SHA-256) equal the undisturbed run's, and local mode's%n", resumed.id(), resumed.resumedFromEpoch());
    }

    static Manifest manifest(Path out) throws Exception {
        return Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
    }

    /** A stored member's weights, to compare exactly (INDArray.equals allows a tolerance). */
    static float[] params(Path out, MemberRecord r) throws Exception {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out.toString()));
        return ModelIO.fromBytes(Fs.readAll(layout.resolve(r.path())), false).params().data().asFloat();
    }
}
