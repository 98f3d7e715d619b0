package io.ensembles.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on a real standalone cluster (a Master and two Workers on loopback, executors in JVMs of
 * their own): an executor killed while its member trains, a driver killed mid-run and the
 * command run again, and speculative execution racing two copies of a slow member. Each time every
 * member ends complete and verified, the interrupted one resumed from its last epoch checkpoint,
 * and no partial or duplicate file is left in the store. No step depends on timing: the members
 * wait at a file barrier ({@code debug.hold-members}) where the fault must find them, and every
 * wait has a bound that only a broken run reaches.
 * Prints the figures docs/operations.md quotes (epochs redone, time lost).
 */
@Tag("cluster")
class FaultToleranceClusterIT {
    @TempDir
    static Path dir;

    static LocalCluster cluster;

    /**
     * Two members of the quick-start CNN, 4 epochs on 6,000 images (about 10 s an epoch here), each
     * keeping its epochs: what the kills and the retries must not lose either.
     */
    static final String[] TRAIN = {"train", "--config", "conf/quickstart.conf", "--members", "2", "--epochs", "4",
            "--limit", "6000", "--set", "training.keep-checkpoints=true"};

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(dir.resolve("cluster"), 2);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) cluster.close();
    }

    private static String[] train(Path out) {
        String[] a = java.util.Arrays.copyOf(TRAIN, TRAIN.length + 4);
        a[TRAIN.length] = "--master";
        a[TRAIN.length + 1] = cluster.master();
        a[TRAIN.length + 2] = "--out";
        a[TRAIN.length + 3] = out.toString();
        return a;
    }

    @Test
    void aKilledExecutorsMemberResumesFromItsCheckpointAndNothingIsLost() throws Exception {
        // the same run undisturbed first: the baseline of the time lost
        Path clean = dir.resolve("clean");
        long t0 = System.nanoTime();
        LocalCluster.Cmd ok = cluster.ensemble(dir.resolve("clean.log"), 600, train(clean));
        double cleanSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, ok.exitCode(), ok.output());
        Manifest baseline = Manifest.read(new EnsembleLayout(Fs.qualify(clean.toString())));
        for (MemberRecord r : baseline.members()) {
            assertTrue(r.completed());
            assertTrue(r.executor().startsWith("executor "), "trained in an executor JVM: " + r.executor());
        }

        Path out = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        Path barrier = Files.createDirectories(dir.resolve("barrier-executor"));
        t0 = System.nanoTime();
        Process run = LocalCluster.launch(log, LocalCluster.holding(train(out), barrier, "[0,1]"));
        // both members wait at the barrier after their epoch-1 checkpoint: the kill finds them there
        // however fast or slow the machine is
        assertTrue(LocalCluster.await(barrier.resolve("m000.held"), 600), "m000 never reached the barrier");
        assertTrue(LocalCluster.await(barrier.resolve("m001.held"), 600), "m001 never reached the barrier");
        List<ProcessHandle> executors = cluster.executors();
        assertEquals(2, executors.size(), "one executor per worker");
        ProcessHandle victim = executors.get(0);
        long[] checkpointed = {checkpointTime(out, "m000"), checkpointTime(out, "m001")};
        long killedAt = System.currentTimeMillis();
        victim.destroyForcibly();
        victim.onExit().get(30, TimeUnit.SECONDS);
        LocalCluster.release(barrier, "m000", "m001"); // the survivor goes on; the retry is a second attempt, never held
        // recovery: until the retried task trains again (its progress file says attempt 1)
        long recoveredAt = -1;
        while (run.isAlive() && recoveredAt < 0) {
            for (String id : List.of("m000", "m001")) {
                if (recoveredAt < 0 && attemptOf(out, id) >= 1) recoveredAt = System.currentTimeMillis();
            }
            Thread.sleep(100);
        }
        assertTrue(run.waitFor(600, TimeUnit.SECONDS), "the job did not finish");
        double killedSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, run.exitValue(), Files.readString(log));

        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
        assertEquals(2, m.members().size());
        MemberRecord resumed = null;
        for (MemberRecord r : m.members()) {
            assertTrue(r.completed(), r.id() + ": " + r.failureReason());
            assertEquals(4, r.epochsRun() + r.resumedFromEpoch(), r.id());
            if (r.attempts() > 1) resumed = r;
        }
        assertTrue(resumed != null, "the killed executor's member was retried: " + m.members());
        assertTrue(resumed.resumedFromEpoch() >= 1, "it resumed from a checkpoint, not from scratch");
        assertOnlyFinishedFiles(out, m);
        double epochSeconds = resumed.history().stream().mapToDouble(e -> e.seconds()).average().orElseThrow();
        double lostSeconds = (killedAt - checkpointed[resumed.index()]) / 1000.0;
        System.out.printf("[cluster] executor killed at the barrier after the epoch-1 checkpoint: member %s retried "
                        + "(attempt %d) and resumed from epoch %d of 4; held %.1f s since its checkpoint (an epoch "
                        + "takes %.1f s); training again %.1f s after the kill; wall %.1f s against %.1f s "
                        + "undisturbed%n", resumed.id(), resumed.attempts(), resumed.resumedFromEpoch(), lostSeconds,
                epochSeconds,
                recoveredAt < 0 ? Double.NaN : (recoveredAt - killedAt) / 1000.0, killedSeconds, cleanSeconds);

        // the evaluation runs on the cluster too
        LocalCluster.Cmd ev = cluster.ensemble(dir.resolve("evaluate.log"), 600, "evaluate", "--ensemble",
                out.toString(), "--master", cluster.master());
        assertEquals(0, ev.exitCode(), ev.output());
        assertTrue(Files.isRegularFile(out.resolve("metrics.json")));
        // and the landscape, one task per kept epoch, the retried member's trajectory whole
        LocalCluster.Cmd land = cluster.ensemble(dir.resolve("landscape.log"), 600, "landscape", "--ensemble",
                out.toString(), "--points", "500", "--master", cluster.master());
        assertEquals(0, land.exitCode(), land.output());
        io.ensembles.landscape.LandscapeResult r = io.ensembles.store.Json.read(
                Files.readString(out.resolve("landscape.json")), io.ensembles.landscape.LandscapeResult.class);
        assertEquals(List.of("killed/m000@e1", "killed/m000@e2", "killed/m000@e3", "killed/m000@e4",
                "killed/m001@e1", "killed/m001@e2", "killed/m001@e3", "killed/m001@e4"), r.checkpoints());
        assertTrue(Files.readString(out.resolve("report.html")).contains("<a href=\"landscape.html\">"));
        System.out.printf("[cluster] landscape of the killed run on the cluster: %s%n",
                r.summary().replace(System.lineSeparator(), ";"));
    }

    @Test
    void aKilledDriverLeavesNoManifestAndTheSameCommandFinishesTheJob() throws Exception {
        Path out = dir.resolve("driver");
        Path barrier = Files.createDirectories(dir.resolve("barrier-driver"));
        String[] command = LocalCluster.holding(train(out), barrier, "[0,1]");
        Process run = LocalCluster.launch(dir.resolve("driver-1.log"), command);
        assertTrue(LocalCluster.await(barrier.resolve("m000.held"), 600), "m000 never reached the barrier");
        assertTrue(LocalCluster.await(barrier.resolve("m001.held"), 600), "m001 never reached the barrier");
        ProcessHandle driver = LocalCluster.driverOf(run).orElseThrow();
        driver.destroyForcibly();
        assertTrue(run.waitFor(120, TimeUnit.SECONDS));
        assertNotEquals(0, run.exitValue(), "the command reports the lost driver");
        assertFalse(Files.exists(out.resolve("manifest.json")), "no manifest for an unfinished ensemble");
        // the cluster removes the dead application's executors before the next one gets cores
        assertTrue(LocalCluster.within(120, () -> cluster.executors().isEmpty()),
                "the lost application's executors are still running: " + cluster.executors());
        LocalCluster.release(barrier, "m000", "m001"); // the same command again passes the barrier at once

        long t0 = System.nanoTime();
        LocalCluster.Cmd again = cluster.ensemble(dir.resolve("driver-2.log"), 600, command);
        double rerunSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, again.exitCode(), again.output());
        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
        int resumedEpochs = 0;
        for (MemberRecord r : m.members()) {
            assertTrue(r.completed(), r.id());
            assertEquals(4, r.epochsRun() + r.resumedFromEpoch(), r.id());
            resumedEpochs += r.resumedFromEpoch();
        }
        assertTrue(m.members().stream().anyMatch(r -> r.resumedFromEpoch() >= 1),
                "the re-run resumed from the checkpoints: " + m.members());
        assertOnlyFinishedFiles(out, m);
        System.out.printf("[cluster] driver killed: the re-run resumed %d of 8 member-epochs from checkpoints and "
                + "took %.1f s%n", resumedEpochs, rerunSeconds);

        // and once more: everything is complete and verified, nothing trains again
        LocalCluster.Cmd third = cluster.ensemble(dir.resolve("driver-3.log"), 600, command);
        assertEquals(0, third.exitCode(), third.output());
        Manifest same = Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
        for (int i = 0; i < 2; i++) {
            assertEquals(m.members().get(i).sha256(), same.members().get(i).sha256());
            assertEquals(m.members().get(i).trainingSeconds(), same.members().get(i).trainingSeconds());
        }
    }

    @Test
    void withSpeculationASlowMembersSecondCopyNeverMakesASecondFinalFile() throws Exception {
        // three MLP members, m002 held at the barrier after its first epoch: once the other two are
        // done, its task runs longer than 1.2 times their median however fast the machine is, and
        // Spark starts a speculative copy on a free core. The copy is a second attempt, never held;
        // when it wins, Spark kills the held original.
        Path out = dir.resolve("speculative");
        Path events = Files.createDirectories(dir.resolve("events"));
        Path barrier = Files.createDirectories(dir.resolve("barrier-speculation"));
        Path log = dir.resolve("speculative.log");
        Process run = LocalCluster.launch(log, LocalCluster.holding(new String[] {"train", "--config",
                "conf/quickstart.conf", "--members", "3", "--set", "model.architectures=[mlp]",
                "--set", "training.keep-checkpoints=true",
                "--epochs", "4", "--limit", "6000", "--master", cluster.master(), "--out", out.toString(),
                "--spark-conf", "spark.speculation=true", "--spark-conf", "spark.speculation.multiplier=1.2",
                "--spark-conf", "spark.speculation.efficiency.enabled=false",
                "--spark-conf", "spark.eventLog.enabled=true", "--spark-conf", "spark.eventLog.dir=" + events.toUri()},
                barrier, "[2]"));
        assertTrue(LocalCluster.await(barrier.resolve("m002.held"), 600), "m002 never reached the barrier");
        boolean finishedHeld = run.waitFor(600, TimeUnit.SECONDS);
        LocalCluster.release(barrier, "m002"); // never needed when the copy won; lets a run without one end
        assertTrue(finishedHeld, "the job waited for the held original: Spark started no speculative copy");
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, run.exitValue(), Files.readString(log));
        // what the scheduler did, from its event log: the task attempts of each partition (= member)
        List<com.fasterxml.jackson.databind.JsonNode> starts = new java.util.ArrayList<>();
        List<String> durations = new java.util.ArrayList<>();
        try (Stream<Path> logs = Files.list(events)) {
            for (Path f : logs.toList()) {
                for (String line : Files.readAllLines(f)) {
                    var e = io.ensembles.store.Json.MAPPER.readTree(line);
                    String event = e.path("Event").asText();
                    var t = e.path("Task Info");
                    if (event.equals("SparkListenerTaskStart")) starts.add(t);
                    if (event.equals("SparkListenerTaskEnd")) {
                        durations.add(String.format("m%03d attempt %d ran %.1f s", t.path("Index").asInt(),
                                t.path("Attempt").asInt(), (t.path("Finish Time").asLong()
                                        - t.path("Launch Time").asLong()) / 1e3));
                    }
                }
            }
        }
        List<com.fasterxml.jackson.databind.JsonNode> speculative = starts.stream()
                .filter(t -> t.path("Speculative").asBoolean()).toList();
        assertFalse(speculative.isEmpty(), "Spark started no speculative copy; tasks " + durations);
        Manifest m = Manifest.read(new EnsembleLayout(Fs.qualify(out.toString())));
        for (MemberRecord r : m.members()) assertTrue(r.completed(), r.id() + ": " + r.failureReason());
        assertOnlyFinishedFiles(out, m);
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out.toString()));
        for (MemberRecord r : m.members()) io.ensembles.store.VerifiedModels.loadVerified(layout, r);
        System.out.printf("[cluster] speculation on: %d task attempts for 3 members, %d speculative (member(s) %s); "
                        + "one final model per member, verified; winners' attempts %s; tasks %s%n", starts.size(),
                speculative.size(), speculative.stream().map(t -> "m00" + t.path("Index").asInt()).distinct().toList(),
                m.members().stream().map(r -> r.id() + "=" + r.attempts()).toList(), durations);
    }

    private static long checkpointTime(Path out, String id) throws IOException {
        return Files.getLastModifiedTime(out.resolve("members").resolve(id).resolve("checkpoint.json")).toMillis();
    }

    private static int attemptOf(Path out, String id) {
        try {
            return io.ensembles.store.Json.MAPPER.readTree(out.resolve("members").resolve(id).resolve("progress.json")
                    .toFile()).path("attempt").asInt(0);
        } catch (IOException | RuntimeException notYet) {
            return 0;
        }
    }

    /**
     * Each member folder holds its model, its record, its last progress and its kept epochs (exactly
     * one verified file for each of its 4 epochs, those its record lists): no checkpoint, no
     * temporary file, no epoch of an attempt that lost.
     */
    private static void assertOnlyFinishedFiles(Path out, Manifest m) throws IOException {
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out.toString()));
        for (MemberRecord r : m.members()) {
            assertEquals(Fs.sha256Hex(layout.resolve(r.path())), r.sha256(), r.id());
            Set<String> names = new TreeSet<>();
            try (Stream<Path> files = Files.list(out.resolve("members").resolve(r.id()))) {
                files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).forEach(names::add);
            }
            assertEquals(Set.of("model.zip", "progress.json", "result.json", "trajectory"), names, r.id());
            assertEquals(List.of(1, 2, 3, 4), r.trajectory().stream().map(MemberRecord.EpochCheckpoint::epoch).toList(),
                    r.id());
            Set<String> kept = new TreeSet<>();
            for (MemberRecord.EpochCheckpoint e : r.trajectory()) {
                assertEquals(Fs.sha256Hex(layout.resolve(e.path())), e.sha256(), e.path());
                kept.add(e.path().substring(e.path().lastIndexOf('/') + 1));
            }
            Set<String> onDisk = new TreeSet<>();
            try (Stream<Path> files = Files.list(out.resolve("members").resolve(r.id()).resolve("trajectory"))) {
                files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).forEach(onDisk::add);
            }
            assertEquals(kept, onDisk, r.id());
            // the last kept epoch is the member's own weights
            assertEquals(VerifiedModels.loadVerified(layout, r).params(), VerifiedModels.loadVerified(layout,
                    r.withFile(r.trajectory().get(3).path(), r.trajectory().get(3).sha256())).params(), r.id());
        }
        try (Stream<Path> dirs = Files.list(out.resolve("members"))) {
            assertEquals(m.members().size(), dirs.count(), "one folder per member, no stray ones");
        }
    }
}
