package io.ensembles.store;

import io.ensembles.fs.Fs;
import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Loading a stored member only after its file has been checked: present, inside the ensemble
 * folder, and with the SHA-256 its record holds. Anything else is an {@link IntegrityException}.
 */
public final class VerifiedModels {
    private VerifiedModels() {}

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
