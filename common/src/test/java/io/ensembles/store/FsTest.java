package io.ensembles.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: a replaced file is the old or the new one, never half of either, and nothing temporary stays. */
class FsTest {
    @TempDir
    Path dir;

    @Test
    void overwritingReplacesTheFileInOneStepAndKeepsItsChecksumRight() throws IOException {
        String uri = dir.resolve("manifest.json").toUri().toString();
        Fs.writeString(uri, "old", false);
        Fs.writeString(uri, "the new, longer content", true);
        // read through the checksummed local filesystem: a stale .crc would fail here
        assertEquals("the new, longer content", Fs.readString(uri));
        assertEquals(List.of(".manifest.json.crc", "manifest.json"), names());
    }

    @Test
    void aFailedWriteLeavesTheOldFileAsItWas() throws IOException {
        String uri = dir.resolve("manifest.json").toUri().toString();
        Fs.writeString(uri, "old", false);
        IOException e = assertThrows(IOException.class, () -> Fs.writeAtomically(uri, true, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("the writer died");
        }));
        assertEquals("the writer died", e.getMessage());
        assertEquals("old", Fs.readString(uri));
        assertEquals(List.of(".manifest.json.crc", "manifest.json"), names());
    }

    @Test
    void withoutOverwriteAnExistingFileIsKept() throws IOException {
        String uri = dir.resolve("model.zip").toUri().toString();
        Fs.writeString(uri, "first", false);
        assertThrows(IOException.class, () -> Fs.writeString(uri, "second", false));
        assertEquals("first", Fs.readString(uri));
        assertTrue(names().stream().noneMatch(n -> n.contains("_tmp")), names().toString());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
