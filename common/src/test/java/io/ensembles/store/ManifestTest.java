package io.ensembles.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder without a manifest, or with one that is not JSON: a one-line error naming the file; nothing is written. */
class ManifestTest {
    @TempDir
    Path dir;

    @Test
    void aManifestThatIsNotJsonIsRefusedNamingTheFile() throws Exception {
        Files.writeString(dir.resolve("manifest.json"), "not json {");
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        IntegrityException e = assertThrows(IntegrityException.class, () -> Manifest.read(layout));
        assertTrue(e.getMessage().startsWith(layout.manifest() + ": not a valid manifest: Unrecognized token 'not'"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertEquals("not json {", Files.readString(dir.resolve("manifest.json")), "left as it was");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "nothing written");
        }
    }

    @Test
    void aFolderWithoutAManifestIsNamed() {
        EnsembleLayout layout = new EnsembleLayout(dir.toUri().toString());
        IntegrityException e = assertThrows(IntegrityException.class, () -> Manifest.read(layout));
        assertTrue(e.getMessage().contains("no manifest here"), e.getMessage());
    }
}
