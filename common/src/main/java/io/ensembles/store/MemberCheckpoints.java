package io.ensembles.store;

import io.ensembles.fs.Fs;
import io.ensembles.train.Checkpoint;
import io.ensembles.train.EpochMetrics;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's epoch checkpoints in the ensemble folder (a {@link Checkpoint.Store}): the newest
 * checkpoint with its index, and, with {@code training.keep-checkpoints}, every epoch's weights as a
 * verified file. Every write is atomic (temporary file, then rename), so a crash leaves either the
 * old state or the new one, never half a file. {@link MemberCommit} stores the finished member.
 */
public final class MemberCheckpoints implements Checkpoint.Store {
    private static final Logger LOG = LoggerFactory.getLogger(MemberCheckpoints.class);

    private final EnsembleLayout layout;
    private final String id;
    private final boolean keepTrajectory;
    /** The epochs kept so far by this attempt (and those before it, restored from the checkpoint index). */
    private final List<MemberRecord.EpochCheckpoint> trajectory = new java.util.ArrayList<>();

    public MemberCheckpoints(EnsembleLayout layout, String id) {
        this(layout, id, false);
    }

    /**
     * @param keepTrajectory also keep the weights of every epoch as a verified file, listed in the
     *                       finished member's record ({@code training.keep-checkpoints})
     */
    public MemberCheckpoints(EnsembleLayout layout, String id, boolean keepTrajectory) {
        this.layout = layout;
        this.id = id;
        this.keepTrajectory = keepTrajectory;
    }

    EnsembleLayout layout() {
        return layout;
    }

    String id() {
        return id;
    }

    /** The epochs kept so far, for the finished member's record; empty unless every epoch is kept. */
    List<MemberRecord.EpochCheckpoint> trajectory() {
        return keepTrajectory ? List.copyOf(trajectory) : List.of();
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

    /**
     * Removes the index and every checkpoint zip: two attempts of one member checkpointing at once
     * (a speculative copy) can leave a zip that no index names, and it must not outlive the member.
     * Kept epoch weights go too, except those the finished member's record lists (so a failed or
     * superseded attempt leaves none of its own behind), and temporary files older than 10 s (a live
     * write of a small file takes milliseconds; a speculative loser whose write fails has lost anyway).
     */
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

    static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
