package io.ensembles.store;

import io.ensembles.train.Checkpoint;
import io.ensembles.train.EpochMetrics;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's files in the ensemble folder: its epoch checkpoints (a {@link Checkpoint.Store}),
 * its finished model and record, and verified loading. Every write is atomic (temporary file,
 * then rename), so a crash leaves either the old state or the new one, never half a file.
 */
public final class MemberStore implements Checkpoint.Store {
    private static final Logger LOG = LoggerFactory.getLogger(MemberStore.class);

    private final EnsembleLayout layout;
    private final String id;
    private final boolean keepTrajectory;
    /** The epochs kept so far by this attempt (and those before it, restored from the checkpoint index). */
    private final List<MemberRecord.EpochCheckpoint> trajectory = new java.util.ArrayList<>();

    public MemberStore(EnsembleLayout layout, String id) {
        this(layout, id, false);
    }

    /**
     * @param keepTrajectory also keep the weights of every epoch as a verified file, listed in the
     *                       finished member's record ({@code training.keep-checkpoints})
     */
    public MemberStore(EnsembleLayout layout, String id, boolean keepTrajectory) {
        this.layout = layout;
        this.id = id;
        this.keepTrajectory = keepTrajectory;
    }

    /**
     * The checkpoint index: which zip holds the newest checkpoint, its history and the epochs kept
     * so far (null when none are kept).
     */
    public record CheckpointIndex(int epochsDone, String zip, String sha256, List<EpochMetrics> history,
                                  double trainingSeconds, List<MemberRecord.EpochCheckpoint> trajectory) {}

    @Override
    public Checkpoint load() throws IOException {
        trajectory.clear();
        String indexUri = layout.checkpointIndex(id);
        if (!Fs.exists(indexUri)) return null;
        CheckpointIndex idx = Json.read(Fs.readString(indexUri), CheckpointIndex.class);
        String zip = layout.resolve("members/" + id + "/" + idx.zip());
        if (!Fs.exists(zip)) {
            LOG.warn("member {}: checkpoint index names {} which is missing; starting over", id, zip);
            return null;
        }
        byte[] bytes = Fs.readAll(zip);
        String sha = Fs.sha256Hex(bytes);
        if (!sha.equals(idx.sha256())) {
            LOG.warn("member {}: checkpoint {} has SHA-256 {} but its index records {}; starting over", id, zip, sha,
                    idx.sha256());
            return null;
        }
        if (keepTrajectory && idx.trajectory() != null) {
            // a resumed attempt carries on the epochs its predecessor kept, as long as their files are intact
            for (MemberRecord.EpochCheckpoint e : idx.trajectory()) {
                String file = layout.resolve(e.path());
                if (e.epoch() <= idx.epochsDone() && Fs.exists(file) && Fs.sha256Hex(file).equals(e.sha256())) {
                    trajectory.add(e);
                } else {
                    LOG.warn("member {}: kept weights of epoch {} ({}) are missing or changed; the trajectory "
                            + "goes on without them", id, e.epoch(), file);
                }
            }
        }
        return new Checkpoint(ModelIO.fromBytes(bytes, true, zip), idx.epochsDone(), idx.history(), idx.trainingSeconds());
    }

    @Override
    public void save(Checkpoint c) throws IOException {
        if (Fs.exists(layout.result(id))) throw new AlreadyStoredException(id);
        String zip = layout.checkpointZip(id, c.epochsDone());
        byte[] bytes = ModelIO.toBytes(c.net(), true);
        String sha = Fs.writeAtomically(zip, true, out -> out.write(bytes));
        String name = zip.substring(zip.lastIndexOf('/') + 1);
        if (keepTrajectory) keepEpoch(c);
        String previous = previousZip();
        Fs.writeString(layout.checkpointIndex(id), Json.write(new CheckpointIndex(c.epochsDone(), name, sha,
                c.history(), c.trainingSeconds(), keepTrajectory ? List.copyOf(trajectory) : null)), true);
        // Only now that the index points at the new checkpoint may the old one go.
        if (previous != null && !previous.equals(name)) Fs.delete(layout.memberDir(id) + "/" + previous, false);
        if (Fs.exists(layout.result(id))) {
            // another attempt stored the member while this checkpoint was written: leave nothing behind
            clear();
            throw new AlreadyStoredException(id);
        }
    }

    /** Writes the epoch's weights (no updater state) under a content-derived name, before the index names them. */
    private void keepEpoch(Checkpoint c) throws IOException {
        byte[] weights = ModelIO.toBytes(c.net(), false);
        String sha = Fs.sha256Hex(weights);
        String relative = EnsembleLayout.trajectoryRelative(id, c.epochsDone(), sha);
        Fs.writeAtomically(layout.resolve(relative), true, out -> out.write(weights));
        EpochMetrics m = c.history().isEmpty() ? null : c.history().get(c.history().size() - 1);
        trajectory.removeIf(e -> e.epoch() >= c.epochsDone());
        trajectory.add(new MemberRecord.EpochCheckpoint(c.epochsDone(), relative, sha,
                m != null ? m.validationAccuracy() : Double.NaN, m != null ? m.validationNll() : Double.NaN));
    }

    private String previousZip() {
        try {
            String indexUri = layout.checkpointIndex(id);
            return Fs.exists(indexUri) ? Json.read(Fs.readString(indexUri), CheckpointIndex.class).zip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** How old a temporary file must be to count as left behind by a killed writer. */
    static final long STALE_TEMPORARY_MILLIS = 10_000;

    /**
     * Removes the index and every checkpoint zip: two attempts of one member checkpointing at once
     * (a speculative copy) can leave a zip that no index names, and it must not outlive the member.
     * Kept epoch weights go too, except those the finished member's record lists (so a failed or
     * superseded attempt leaves none of its own behind), and temporary files older than 10 s (a live
     * write of a small file takes milliseconds; a speculative loser whose write fails has lost anyway).
     */
    /**
     * Whether a temporary file is older than {@link #STALE_TEMPORARY_MILLIS}. One renamed into place
     * by a concurrent attempt between the listing and this look is gone, so not stale: two attempts
     * finishing at once hit this (MemberStoreTest, seen in CI).
     */
    private static boolean isStale(String f, long now) throws IOException {
        try {
            return now - Fs.modifiedMillis(f) > STALE_TEMPORARY_MILLIS;
        } catch (java.io.FileNotFoundException renamedMeanwhile) {
            return false;
        }
    }

    @Override
    public void clear() throws IOException {
        Fs.delete(layout.checkpointIndex(id), false);
        long now = System.currentTimeMillis();
        for (String f : Fs.list(layout.memberDir(id))) {
            String name = f.substring(f.lastIndexOf('/') + 1);
            if (name.matches("checkpoint-e\\d+\\.zip")) Fs.delete(f, false);
            // a write's temporary file lives for milliseconds: an old one was left by a process killed
            // mid-write (a lost driver's executors), and no one will rename it
            if (name.startsWith("._tmp-") && isStale(f, now)) {
                LOG.info("member {}: removing {}, left by an interrupted write", id, name);
                Fs.delete(f, false);
            }
        }
        String dir = layout.trajectoryDir(id);
        if (!Fs.exists(dir)) return;
        java.util.Set<String> listed = new java.util.HashSet<>();
        MemberRecord finished = Fs.exists(layout.result(id))
                ? Json.read(Fs.readString(layout.result(id)), MemberRecord.class) : null;
        if (finished != null && finished.trajectory() != null) {
            for (MemberRecord.EpochCheckpoint e : finished.trajectory()) listed.add(fileName(e.path()));
        }
        for (String f : Fs.list(dir)) if (!listed.contains(fileName(f))) Fs.delete(f, false);
        if (listed.isEmpty()) Fs.delete(dir, true);
    }

    /**
     * Thrown by {@link #save} when another attempt of this member (a retry or a speculative copy)
     * has already stored it complete: this attempt's work is moot and it should stop.
     */
    public static final class AlreadyStoredException extends IOException {
        public AlreadyStoredException(String id) {
            super("member " + id + ": another attempt has already stored it complete");
        }
    }

    /**
     * Stores the finished network so that, of several attempts finishing at once (a retry, a
     * speculative copy), exactly one copy becomes final and the others return it:
     * <ol>
     *   <li>the model is staged as {@code model-<first 12 hex of its SHA-256>.zip};</li>
     *   <li>{@code result.json}, naming {@code model.zip} and the SHA-256, is created exclusively:
     *       the commit point, which only one attempt can pass;</li>
     *   <li>the winner renames its staged file to {@code model.zip}. Anyone who finds a committed
     *       {@code result.json} with its staged file still there completes that rename, so a crash
     *       between the steps loses nothing.</li>
     * </ol>
     * Losers delete their staged file and return the winner's record; the winner removes any file
     * staged by attempts that died. The exclusive create is atomic on HDFS and on the local disk
     * ({@link Fs#writeString} without overwrite).
     */
    public MemberRecord storeFinal(ComputationGraph net, MemberRecord record) throws IOException {
        MemberRecord existing = finishedRecord();
        if (existing != null) {
            LOG.info("member {}: a complete, verified copy is already stored; keeping it", id);
            clear();
            return existing;
        }
        if (Fs.exists(layout.result(id))) {
            // committed a moment ago by another attempt, or stale: left by an older run whose model
            // file is neither in place nor staged (deleted or changed since)
            existing = finishedRecord();
            if (existing != null) {
                clear();
                return existing;
            }
            LOG.warn("member {}: removing a stale result.json whose model file is missing or changed", id);
            Fs.delete(layout.result(id), false);
        }
        byte[] bytes = ModelIO.toBytes(net, false);
        String sha = Fs.sha256Hex(bytes);
        String staged = stagedModel(sha);
        Fs.writeAtomically(staged, true, out -> out.write(bytes));
        MemberRecord done = record.withFile(EnsembleLayout.modelRelative(id), sha);
        if (keepTrajectory && !trajectory.isEmpty()) done = done.withTrajectory(List.copyOf(trajectory));
        try {
            Fs.writeString(layout.result(id), Json.write(done), false);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException lost) {
            MemberRecord winner = awaitFinished();
            if (!winner.sha256().equals(sha)) Fs.delete(staged, false);
            LOG.info("member {}: another attempt stored its copy first; keeping that one", id);
            clear();
            return winner;
        }
        // committed: the staged file becomes model.zip (unless a reader's roll-forward just did it)
        try {
            Fs.rename(staged, layout.resolve(done.path()), true);
        } catch (java.io.FileNotFoundException rolledForwardByAReader) {
            // model.zip is in place already
        }
        removeStaged();
        clear();
        return done;
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private String stagedModel(String sha) {
        return layout.memberDir(id) + "/model-" + sha.substring(0, 12) + ".zip";
    }

    /** Completes a committed store whose staged file has not been renamed yet; true when model.zip matches. */
    private boolean rollForward(MemberRecord r) throws IOException {
        String model = layout.resolve(r.path());
        if (matches(model, r.sha256())) return true;
        String staged = stagedModel(r.sha256());
        try {
            if (matches(staged, r.sha256())) Fs.rename(staged, model, true);
        } catch (java.io.FileNotFoundException raced) {
            // another attempt completed the same rename a moment ago
        }
        return matches(model, r.sha256());
    }

    private static boolean matches(String uri, String sha) throws IOException {
        try {
            return Fs.exists(uri) && Fs.sha256Hex(uri).equals(sha);
        } catch (java.io.FileNotFoundException renamedMeanwhile) {
            return false;
        }
    }

    /** Deletes the files staged by attempts that lost or died. */
    private void removeStaged() throws IOException {
        for (String f : Fs.list(layout.memberDir(id))) {
            if (f.substring(f.lastIndexOf('/') + 1).matches("model-[0-9a-f]{12}\\.zip")) Fs.delete(f, false);
        }
    }

    /** The winner's record, once its commit is complete (it renames right after committing). */
    private MemberRecord awaitFinished() throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            MemberRecord r = finishedRecord();
            if (r != null) return r;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("member " + id + ": interrupted while waiting for the "
                        + "other attempt's copy");
            }
        }
        throw new IOException("member " + id + ": another attempt committed " + layout.result(id)
                + " but its model file did not appear within 60 s");
    }

    /**
     * The record of a finished member whose model file is present and matches, or null. A commit
     * interrupted before its rename is completed here.
     */
    public MemberRecord finishedRecord() {
        try {
            if (!Fs.exists(layout.result(id))) return null;
            MemberRecord r = Json.read(Fs.readString(layout.result(id)), MemberRecord.class);
            return rollForward(r) ? r : null;
        } catch (IOException | IntegrityException e) {
            LOG.warn("member {}: ignoring an unreadable earlier result: {}", id, e.getMessage());
            return null;
        }
    }

    /** Checks a member's file against the manifest's SHA-256 without loading it; throws IntegrityException. */
    public static void verify(EnsembleLayout layout, MemberRecord r) throws IOException {
        verifiedBytes(layout, r);
    }

    /** Loads a member's network after checking its file against the manifest's SHA-256. */
    public static ComputationGraph loadVerified(EnsembleLayout layout, MemberRecord r) throws IOException {
        return ModelIO.fromBytes(verifiedBytes(layout, r), false, layout.resolve(r.path()));
    }

    private static byte[] verifiedBytes(EnsembleLayout layout, MemberRecord r) throws IOException {
        String uri = layout.resolve(r.path());
        if (!Fs.exists(uri)) {
            throw new IntegrityException("member " + r.id() + ": model file " + uri + " is missing");
        }
        layout.checkInside(uri, "member " + r.id() + ": model file");
        byte[] bytes;
        try {
            bytes = Fs.readAll(uri);
        } catch (org.apache.hadoop.fs.ChecksumException e) {
            // the filesystem's own checksum caught the change before our SHA-256 could
            throw new IntegrityException("member " + r.id() + ": model file " + uri
                    + " is corrupted (filesystem checksum error: " + e.getMessage() + ")");
        }
        String sha = Fs.sha256Hex(bytes);
        if (!sha.equals(r.sha256())) {
            throw new IntegrityException("member " + r.id() + ": model file " + uri + " has SHA-256 " + sha
                    + " but the manifest records " + r.sha256() + " (the file was changed or corrupted)");
        }
        return bytes;
    }
}
