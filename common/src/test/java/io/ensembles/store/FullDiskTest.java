package io.ensembles.store;

import static io.ensembles.store.StoreFixtures.net;
import static io.ensembles.store.StoreFixtures.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.ensembles.fs.Fs;

/**
 * A disk that fills up while members are stored (a Hadoop filesystem that fails writes past its
 * room): the write fails with the filesystem's own error, nothing half-written is left, and the
 * members stored before stay complete and verified.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        FullDiskFileSystem.ROOM.set(Long.MAX_VALUE);
        Fs.configure(new Configuration());
    }

    @Test
    void aFullDiskLeavesNothingHalfWrittenAndLosesNothingStored() throws Exception {
        Fs.configure(Map.of("fs.fulldisk.impl", FullDiskFileSystem.class.getName(),
                "fs.fulldisk.impl.disable.cache", "true"));
        EnsembleLayout layout = new EnsembleLayout("fulldisk://" + dir.toAbsolutePath());
        MemberRecord first = MemberCommit.of(layout, "m000").storeFinal(net(1), record("m000"));

        // room for half of the next model
        FullDiskFileSystem.ROOM.set(ModelIO.toBytes(net(2), false).length / 2);
        MemberCheckpoints second = new MemberCheckpoints(layout, "m001");
        IOException e = assertThrows(IOException.class, () -> new MemberCommit(second).storeFinal(net(2), record("m001")));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(Set.of(), names(dir.resolve("members/m001")), "no partial model, no record, no temporary file");
        assertNull(new MemberCommit(second).finishedRecord());

        // the member stored before is intact: present, verified, loadable
        assertEquals(Set.of("model.zip", "result.json"), names(dir.resolve("members/m000")));
        assertEquals(first, MemberCommit.of(layout, "m000").finishedRecord());
        assertEquals(net(1).params(), VerifiedModels.loadVerified(layout, first).params());

        // a checkpoint that cannot be written leaves the previous one in place
        FullDiskFileSystem.ROOM.set(Long.MAX_VALUE);
        MemberCheckpoints third = new MemberCheckpoints(layout, "m002");
        third.save(new io.ensembles.train.Checkpoint(net(3), 1, List.of(), 1.0));
        FullDiskFileSystem.ROOM.set(1000);
        assertThrows(IOException.class, () -> third.save(new io.ensembles.train.Checkpoint(net(4), 2, List.of(), 2.0)));
        io.ensembles.train.Checkpoint kept = third.load();
        assertEquals(1, kept.epochsDone(), "the epoch-1 checkpoint is still the one to resume from");
        assertEquals(net(3).params(), kept.net().params());
        assertTrue(names(dir.resolve("members/m002")).stream().noneMatch(n -> n.startsWith("._tmp")));
    }

    private static Set<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return Set.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc"))
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }
}
