package io.ensembles.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.data.Normalisation;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json}: what an ensemble is and how it was made. Members, the normalisation
 * the evaluation must repeat, the whole resolved configuration and the code version.
 */
public record Manifest(
        int formatVersion, String name, String method, String createdAt,
        Map<String, String> codeVersion,
        int classes, int rows, int cols, Normalisation normalisation,
        Map<String, Object> data, Map<String, Object> run,
        List<MemberRecord> members, JsonNode config) {

    public static final int FORMAT_VERSION = 1;

    public List<MemberRecord> completedMembers() {
        return members.stream().filter(MemberRecord::completed).toList();
    }

    public static Manifest read(EnsembleLayout layout) {
        String uri = layout.manifest();
        if (!Fs.isFile(uri)) {
            throw new IntegrityException(uri + ": no manifest here (is this an ensemble folder written by 'train'?)");
        }
        Manifest m;
        try {
            m = Json.read(Fs.readString(uri), Manifest.class);
        } catch (IOException e) {
            throw new IntegrityException(uri + ": not a valid manifest: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (m.formatVersion() != FORMAT_VERSION || m.members() == null) {
            throw new IntegrityException(uri + ": manifest format " + m.formatVersion() + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        for (MemberRecord r : m.members()) {
            if (r.completed()) layout.resolve(r.path());
        }
        return m;
    }

    public void write(EnsembleLayout layout) throws IOException {
        Fs.writeString(layout.manifest(), Json.write(this), true);
    }
}
