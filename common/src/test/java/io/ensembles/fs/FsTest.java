package io.ensembles.fs;

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
import io.ensembles.fs.Fs;

/** Atomic writes: a replaced file is the old or the new one, never half of either, and nothing temporary stays. */
class FsTest {
    @TempDir
    Path dir;

    @Test
    void overwritingReplacesTheFileInOneStepAndLeavesNoStaleChecksum() throws IOException {
        String uri = dir.resolve("manifest.json").toUri().toString();
        Fs.writeString(uri, "old", false);
        java.nio.file.Path file = dir.resolve("manifest.json");
        Object inode = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        Fs.writeString(uri, "the new, longer content", true);
        // one rename: the name now points at the new file (another inode), never at nothing
        assertTrue(!inode.equals(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class)
                .fileKey()));
        // read through the checksummed local filesystem: a stale .crc would fail here
        assertEquals("the new, longer content", Fs.readString(uri));
        assertEquals(List.of("manifest.json"), names());
        // a file written earlier with a sidecar (Hadoop's own writer) is replaced cleanly too
        Files.delete(file);
        try (var out = Fs.fs(Fs.path(uri)).create(Fs.path(uri))) {
            out.write("with a sidecar".getBytes());
        }
        assertEquals(List.of(".manifest.json.crc", "manifest.json"), names());
        Fs.writeString(uri, "replaced", true);
        assertEquals("replaced", Fs.readString(uri));
        assertEquals(List.of("manifest.json"), names());
    }

    @Test
    void ofWritersRacingWithoutOverwriteExactlyOneCreatesTheFile() throws Exception {
        String uri = dir.resolve("result.json").toUri().toString();
        int writers = 8;
        for (int round = 0; round < 20; round++) {
            Fs.delete(uri, false);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            List<java.util.concurrent.Future<Boolean>> won = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String text = "writer " + w;
                won.add(pool.submit(() -> {
                    start.await();
                    try {
                        Fs.writeString(uri, text, false);
                        return true;
                    } catch (org.apache.hadoop.fs.FileAlreadyExistsException lost) {
                        return false;
                    }
                }));
            }
            List<String> winners = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) if (won.get(w).get()) winners.add("writer " + w);
            pool.shutdown();
            assertEquals(1, winners.size(), "round " + round + ": " + winners);
            assertEquals(winners.get(0), Fs.readString(uri), "the file holds the winner's bytes");
            assertEquals(List.of("result.json"), names(), "no temporary file left");
        }
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
        assertEquals(List.of("manifest.json"), names());
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
