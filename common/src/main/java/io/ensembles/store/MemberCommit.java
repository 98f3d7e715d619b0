package io.ensembles.store;

import io.ensembles.fs.Fs;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol of one finished member: of several attempts storing it at once (a retry, a
 * speculative copy), exactly one copy becomes final, and a crash between the steps loses nothing.
 * The member's {@link MemberCheckpoints} are cleared once it is stored.
 */
public final class MemberCommit {
    private static final Logger LOG = LoggerFactory.getLogger(MemberCommit.class);

    private final MemberCheckpoints checkpoints;
    private final EnsembleLayout layout;
    private final String id;

    public MemberCommit(MemberCheckpoints checkpoints) {
        this.checkpoints = checkpoints;
        this.layout = checkpoints.layout();
        this.id = checkpoints.id();
    }

    /** The commit of member {@code id}, for a caller without checkpoints of its own (a snapshot). */
    public static MemberCommit of(EnsembleLayout layout, String id) {
        return new MemberCommit(new MemberCheckpoints(layout, id));
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
            checkpoints.clear();
            return existing;
        }
        if (Fs.exists(layout.result(id))) {
            // committed a moment ago by another attempt, or stale: left by an older run whose model
            // file is neither in place nor staged (deleted or changed since)
            existing = finishedRecord();
            if (existing != null) {
                checkpoints.clear();
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
        List<MemberRecord.EpochCheckpoint> kept = checkpoints.trajectory();
        if (!kept.isEmpty()) done = done.withTrajectory(kept);
        try {
            Fs.writeString(layout.result(id), Json.write(done), false);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException lost) {
            MemberRecord winner = awaitFinished();
            if (!winner.sha256().equals(sha)) Fs.delete(staged, false);
            LOG.info("member {}: another attempt stored its copy first; keeping that one", id);
            checkpoints.clear();
            return winner;
        }
        // committed: the staged file becomes model.zip (unless a reader's roll-forward just did it)
        try {
            Fs.rename(staged, layout.resolve(done.path()), true);
        } catch (java.io.FileNotFoundException rolledForwardByAReader) {
            // model.zip is in place already
        }
        removeStaged();
        checkpoints.clear();
        return done;
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
}
