package io.ensembles.store;

import static io.ensembles.store.StoreFixtures.net;
import static io.ensembles.store.StoreFixtures.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.train.Checkpoint;
import io.ensembles.train.EpochMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.ensembles.fs.Fs;

class MemberStoreTest {
    @TempDir
    Path dir;

    @Test
    void storesVerifiesAndLoadsAFinishedMember() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberCheckpoints store = new MemberCheckpoints(layout, "m000");
        ComputationGraph n = net(1);
        MemberRecord r = new MemberCommit(store).storeFinal(n, record("m000"));
        assertEquals("members/m000/model.zip", r.path());
        assertEquals(Fs.sha256Hex(layout.resolve(r.path())), r.sha256());
        assertEquals(n.params(), VerifiedModels.loadVerified(layout, r).params());
        assertEquals(r, new MemberCommit(store).finishedRecord());
        // no temporary files left behind
        try (var files = Files.list(dir.resolve("members/m000"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("._tmp")));
        }
        // a second attempt keeps the first complete copy
        MemberRecord again = new MemberCommit(store).storeFinal(net(2), record("m000"));
        assertEquals(r.sha256(), again.sha256());
    }

    @Test
    void aModelFileThatLinksOutsideTheFolderIsRefusedEvenWhenItsHashMatches() throws Exception {
        Path ens = Files.createDirectories(dir.resolve("ens"));
        EnsembleLayout layout = new EnsembleLayout(ens.toUri().toString());
        MemberRecord r = MemberCommit.of(layout, "m000").storeFinal(net(1), record("m000"));
        Path model = ens.resolve(r.path());
        // the same bytes, moved outside and linked back: the SHA-256 still matches
        Path outside = Files.move(model, dir.resolve("elsewhere.zip"));
        Files.createSymbolicLink(model, outside);
        IntegrityException e = assertThrows(IntegrityException.class, () -> VerifiedModels.loadVerified(layout, r));
        assertTrue(e.getMessage().contains("member m000: model file") && e.getMessage().contains("outside the ensemble folder")
                && e.getMessage().contains("elsewhere.zip"), e.getMessage());
        // a folder on the way that links outside is refused the same way
        Files.delete(model);
        Path away = Files.createDirectories(dir.resolve("away"));
        Files.move(outside, away.resolve("model.zip"));
        Path memberDir = ens.resolve("members/m000");
        try (var files = Files.list(memberDir)) {
            for (Path f : files.toList()) Files.move(f, away.resolve(f.getFileName()));
        }
        Files.delete(memberDir);
        Files.createSymbolicLink(memberDir, away);
        assertThrows(IntegrityException.class, () -> VerifiedModels.verify(layout, r));
        // a link that stays inside the folder is fine
        Files.delete(memberDir);
        Path inside = Files.move(away, ens.resolve("members/real-m000"));
        Files.createSymbolicLink(memberDir, inside);
        assertEquals(net(1).params(), VerifiedModels.loadVerified(layout, r).params());
    }

    private Set<String> names(String id) throws java.io.IOException {
        try (var files = Files.list(dir.resolve("members/" + id))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc"))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void ofAttemptsFinishingAtOnceExactlyOneCopyBecomesFinal() throws Exception {
        // retries and speculative copies of one task store the same member concurrently
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        int attempts = 4;
        ComputationGraph[] nets = new ComputationGraph[attempts];
        for (int i = 0; i < attempts; i++) nets[i] = net(10 + i);
        for (int round = 0; round < 3; round++) {
            String id = "m00" + round;
            CyclicBarrier start = new CyclicBarrier(attempts);
            ExecutorService pool = Executors.newFixedThreadPool(attempts);
            List<Future<MemberRecord>> results = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                ComputationGraph n = nets[i];
                results.add(pool.submit(() -> {
                    start.await();
                    return MemberCommit.of(layout, id).storeFinal(n, record(id));
                }));
            }
            Set<String> shas = new HashSet<>();
            for (Future<MemberRecord> f : results) shas.add(f.get(120, TimeUnit.SECONDS).sha256());
            pool.shutdown();
            assertEquals(1, shas.size(), "every attempt returns the one final copy");
            MemberRecord r = MemberCommit.of(layout, id).finishedRecord();
            assertNotNull(r);
            assertEquals(shas.iterator().next(), r.sha256());
            assertEquals(r.sha256(), Fs.sha256Hex(layout.resolve(r.path())));
            assertEquals(Set.of("model.zip", "result.json"), names(id), "no staged or temporary file left");
            VerifiedModels.loadVerified(layout, r);
        }
    }

    @Test
    void aCommitInterruptedBeforeItsRenameIsCompletedByTheNextReader() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberRecord r = MemberCommit.of(layout, "m000").storeFinal(net(1), record("m000"));
        // the state a crash between the commit and the rename leaves: result.json and the staged file
        String staged = layout.memberDir("m000") + "/model-" + r.sha256().substring(0, 12) + ".zip";
        Fs.rename(layout.resolve(r.path()), staged, false);
        assertEquals(Set.of("model-" + r.sha256().substring(0, 12) + ".zip", "result.json"), names("m000"));
        assertEquals(r, MemberCommit.of(layout, "m000").finishedRecord());
        assertEquals(Set.of("model.zip", "result.json"), names("m000"));
        // a result whose model is gone altogether is stale: the next finished attempt replaces it
        Files.delete(dir.resolve("members/m000/model.zip"));
        assertNull(MemberCommit.of(layout, "m000").finishedRecord());
        MemberRecord again = MemberCommit.of(layout, "m000").storeFinal(net(2), record("m000"));
        assertEquals(again, MemberCommit.of(layout, "m000").finishedRecord());
        assertTrue(!again.sha256().equals(r.sha256()));
    }

    @Test
    void anAttemptOvertakenByAStoredCopyStopsAndLeavesNoCheckpoint() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberCheckpoints slow = new MemberCheckpoints(layout, "m002");
        EpochMetrics e1 = new EpochMetrics(1, 1.0, 0.5, 1.1, 0.1, 2.0);
        slow.save(new Checkpoint(net(1), 1, List.of(e1), 2.0));
        MemberCommit.of(layout, "m002").storeFinal(net(2), record("m002"));
        assertThrows(AlreadyStoredException.class,
                () -> slow.save(new Checkpoint(net(1), 2, List.of(e1, e1), 4.0)));
        assertEquals(Set.of("model.zip", "result.json"), names("m002"));
    }

    @Test
    void aChangedModelFileIsRefusedWithAClearMessage() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberRecord r = MemberCommit.of(layout, "m003").storeFinal(net(1), record("m003"));
        Path file = dir.resolve("members/m003/model.zip");
        byte[] original = Files.readAllBytes(file);
        byte[] bytes = original.clone();
        bytes[bytes.length / 2] ^= 1;
        // replaced through the filesystem API (its checksum updated): only the SHA-256 tells
        Fs.writeAtomically(layout.resolve(r.path()), true, out -> out.write(bytes));
        IntegrityException e = assertThrows(IntegrityException.class, () -> VerifiedModels.loadVerified(layout, r));
        assertTrue(e.getMessage().contains("member m003") && e.getMessage().contains("model.zip")
                && e.getMessage().contains("SHA-256") && e.getMessage().contains(r.sha256()), e.getMessage());
        assertNull(MemberCommit.of(layout, "m003").finishedRecord(), "a changed file is not a finished member");
        // flipped on disk behind the filesystem's back: the SHA-256 tells
        Fs.writeAtomically(layout.resolve(r.path()), true, out -> out.write(original));
        Files.write(file, bytes);
        e = assertThrows(IntegrityException.class, () -> VerifiedModels.loadVerified(layout, r));
        assertTrue(e.getMessage().contains("member m003") && e.getMessage().contains("SHA-256"), e.getMessage());
        // a file with a checksum sidecar (as HDFS keeps, or Hadoop's local writer): its checksum tells first
        Files.delete(file);
        try (var out = Fs.fs(Fs.path(layout.resolve(r.path()))).create(Fs.path(layout.resolve(r.path())))) {
            out.write(original);
        }
        Files.write(file, bytes);
        e = assertThrows(IntegrityException.class, () -> VerifiedModels.loadVerified(layout, r));
        assertTrue(e.getMessage().contains("member m003") && e.getMessage().contains("corrupted"), e.getMessage());
        Files.delete(file);
        e = assertThrows(IntegrityException.class, () -> VerifiedModels.loadVerified(layout, r));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void checkpointsReplaceEachOtherAndRestoreTheUpdater() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberCheckpoints store = new MemberCheckpoints(layout, "m001");
        assertNull(store.load());
        ComputationGraph n = net(1);
        EpochMetrics e1 = new EpochMetrics(1, 1.0, 0.5, 1.1, 0.1, 2.0);
        store.save(new Checkpoint(n, 1, List.of(e1), 2.0));
        store.save(new Checkpoint(n, 2, List.of(e1, e1), 4.0));
        Checkpoint c = store.load();
        assertNotNull(c);
        assertEquals(2, c.epochsDone());
        assertEquals(2, c.history().size());
        assertEquals(n.params(), c.net().params());
        assertEquals(n.getUpdater().getStateViewArray(), c.net().getUpdater().getStateViewArray());
        assertTrue(Files.exists(dir.resolve("members/m001/checkpoint-e0002.zip")));
        assertTrue(Files.notExists(dir.resolve("members/m001/checkpoint-e0001.zip")), "older checkpoint removed");
        store.clear();
        assertNull(store.load());
    }

    @Test
    void keptEpochWeightsSurviveCompletionAndAResumedAttemptCarriesThemOn() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        EpochMetrics e1 = new EpochMetrics(1, 1.0, 0.5, 1.1, 0.1, 2.0);
        EpochMetrics e2 = new EpochMetrics(2, 0.9, 0.6, 1.0, 0.1, 2.0);
        EpochMetrics e3 = new EpochMetrics(3, 0.8, 0.7, 0.9, 0.1, 2.0);
        ComputationGraph n1 = net(1);
        ComputationGraph n2 = net(2);
        ComputationGraph n3 = net(3);
        // the first attempt keeps two epochs, then dies
        MemberCheckpoints first = new MemberCheckpoints(layout, "m004", true);
        first.save(new Checkpoint(n1, 1, List.of(e1), 2.0));
        first.save(new Checkpoint(n2, 2, List.of(e1, e2), 4.0));
        // the retry resumes from epoch 2, trains epoch 3 and finishes
        MemberCheckpoints retry = new MemberCheckpoints(layout, "m004", true);
        assertEquals(2, retry.load().epochsDone());
        retry.save(new Checkpoint(n3, 3, List.of(e1, e2, e3), 6.0));
        MemberRecord r = new MemberCommit(retry).storeFinal(n3, record("m004"));
        assertNotNull(r.trajectory());
        assertEquals(List.of(1, 2, 3), r.trajectory().stream().map(MemberRecord.EpochCheckpoint::epoch).toList());
        assertEquals(List.of(0.5, 0.6, 0.7),
                r.trajectory().stream().map(MemberRecord.EpochCheckpoint::validationAccuracy).toList());
        ComputationGraph[] nets = {n1, n2, n3};
        for (int k = 0; k < 3; k++) {
            MemberRecord.EpochCheckpoint e = r.trajectory().get(k);
            assertTrue(e.path().matches("members/m004/trajectory/e000" + (k + 1) + "-[0-9a-f]{12}\\.zip"), e.path());
            assertEquals(Fs.sha256Hex(layout.resolve(e.path())), e.sha256());
            // the kept file is the weights of that epoch, verified like a member
            assertEquals(nets[k].params(), VerifiedModels.loadVerified(layout, r.withFile(e.path(), e.sha256())).params());
        }
        // the resume checkpoints are gone, the kept weights are not
        assertEquals(Set.of("model.zip", "result.json", "trajectory"), names("m004"));
        try (var files = Files.list(dir.resolve("members/m004/trajectory"))) {
            assertEquals(3, files.count());
        }
        assertEquals(r, new MemberCommit(new MemberCheckpoints(layout, "m004", true)).finishedRecord());
    }

    @Test
    void withoutKeepingOrWhenTheMemberFailsNoEpochWeightsRemain() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        EpochMetrics e1 = new EpochMetrics(1, 1.0, 0.5, 1.1, 0.1, 2.0);
        MemberCheckpoints plain = new MemberCheckpoints(layout, "m005");
        plain.save(new Checkpoint(net(1), 1, List.of(e1), 2.0));
        assertNull(new MemberCommit(plain).storeFinal(net(1), record("m005")).trajectory());
        assertEquals(Set.of("model.zip", "result.json"), names("m005"));
        // a diverged member clears its store: the epochs it kept go with it
        MemberCheckpoints diverged = new MemberCheckpoints(layout, "m006", true);
        diverged.save(new Checkpoint(net(1), 1, List.of(e1), 2.0));
        assertTrue(Files.exists(dir.resolve("members/m006/trajectory")));
        diverged.clear();
        assertEquals(Set.of(), names("m006"));
        // a speculative copy overtaken by the stored member leaves none of its own epochs behind
        MemberCheckpoints winner = new MemberCheckpoints(layout, "m007", true);
        MemberCheckpoints loser = new MemberCheckpoints(layout, "m007", true);
        winner.save(new Checkpoint(net(1), 1, List.of(e1), 2.0));
        loser.save(new Checkpoint(net(2), 1, List.of(e1), 2.0));
        MemberRecord r = new MemberCommit(winner).storeFinal(net(1), record("m007"));
        assertThrows(AlreadyStoredException.class,
                () -> loser.save(new Checkpoint(net(2), 2, List.of(e1, e1), 4.0)));
        try (var files = Files.list(dir.resolve("members/m007/trajectory"))) {
            assertEquals(List.of(r.trajectory().get(0).path().substring("members/m007/trajectory/".length())),
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void manifestPathsCannotLeaveTheEnsembleFolder() {
        EnsembleLayout layout = new EnsembleLayout("file:/data/ens");
        assertEquals("file:/data/ens/members/m000/model.zip", layout.resolve("members/m000/model.zip"));
        for (String bad : new String[] {"../other/model.zip", "/etc/passwd", "members/../../x", "hdfs://nn/x", "", "a//b"}) {
            IntegrityException e = assertThrows(IntegrityException.class, () -> layout.resolve(bad), bad);
            assertTrue(e.getMessage().contains("manifest path"), e.getMessage());
        }
    }

    /** A temporary file left by a writer killed mid-write goes at the member's end; a live one stays. */
    @Test
    void staleTemporaryFilesOfAKilledWriterAreRemoved() throws Exception {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        MemberCheckpoints store = new MemberCheckpoints(layout, "m009");
        java.nio.file.Path member = dir.resolve("members").resolve("m009");
        java.nio.file.Files.createDirectories(member);
        java.nio.file.Path stale = member.resolve("._tmp-progress.json-1234");
        java.nio.file.Path live = member.resolve("._tmp-progress.json-5678");
        java.nio.file.Files.writeString(stale, "{");
        java.nio.file.Files.writeString(live, "{");
        java.nio.file.Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - MemberCheckpoints.STALE_TEMPORARY_MILLIS - 5_000));
        store.clear();
        assertTrue(!java.nio.file.Files.exists(stale), "the killed writer's file is gone");
        assertTrue(java.nio.file.Files.exists(live), "a write in progress is left alone");
    }
}
