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

    public MemberStore(EnsembleLayout layout, String id) {
        this.layout = layout;
        this.id = id;
    }

    /** The checkpoint index: which zip holds the newest checkpoint, and its history. */
    public record CheckpointIndex(int epochsDone, String zip, String sha256, List<EpochMetrics> history,
                                  double trainingSeconds) {}

    @Override
    public Checkpoint load() throws IOException {
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
        return new Checkpoint(ModelIO.fromBytes(bytes, true, zip), idx.epochsDone(), idx.history(), idx.trainingSeconds());
    }

    @Override
    public void save(Checkpoint c) throws IOException {
        String zip = layout.checkpointZip(id, c.epochsDone());
        byte[] bytes = ModelIO.toBytes(c.net(), true);
        String sha = Fs.writeAtomically(zip, true, out -> out.write(bytes));
        String name = zip.substring(zip.lastIndexOf('/') + 1);
        String previous = previousZip();
        Fs.writeString(layout.checkpointIndex(id),
                Json.write(new CheckpointIndex(c.epochsDone(), name, sha, c.history(), c.trainingSeconds())), true);
        // Only now that the index points at the new checkpoint may the old one go.
        if (previous != null && !previous.equals(name)) Fs.delete(layout.memberDir(id) + "/" + previous, false);
    }

    private String previousZip() {
        try {
            String indexUri = layout.checkpointIndex(id);
            return Fs.exists(indexUri) ? Json.read(Fs.readString(indexUri), CheckpointIndex.class).zip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void clear() throws IOException {
        String prev = previousZip();
        Fs.delete(layout.checkpointIndex(id), false);
        if (prev != null) Fs.delete(layout.memberDir(id) + "/" + prev, false);
    }

    /**
     * Stores the finished network: {@code model.zip} first, then {@code result.json}. If another
     * attempt already stored a complete, verified copy, that copy wins and is kept.
     */
    public MemberRecord storeFinal(ComputationGraph net, MemberRecord record) throws IOException {
        MemberRecord existing = finishedRecord();
        if (existing != null) {
            LOG.info("member {}: a complete, verified copy is already stored; keeping it", id);
            return existing;
        }
        byte[] bytes = ModelIO.toBytes(net, false);
        String rel = EnsembleLayout.modelRelative(id);
        String sha = Fs.writeAtomically(layout.resolve(rel), true, out -> out.write(bytes));
        MemberRecord done = record.withFile(rel, sha);
        Fs.writeString(layout.result(id), Json.write(done), true);
        clear();
        return done;
    }

    /** The record of a finished member whose model file is present and matches, or null. */
    public MemberRecord finishedRecord() {
        try {
            if (!Fs.exists(layout.result(id))) return null;
            MemberRecord r = Json.read(Fs.readString(layout.result(id)), MemberRecord.class);
            String model = layout.resolve(r.path());
            if (!Fs.exists(model) || !Fs.sha256Hex(model).equals(r.sha256())) return null;
            return r;
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
