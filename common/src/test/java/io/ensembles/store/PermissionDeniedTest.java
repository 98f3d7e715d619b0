package io.ensembles.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.DataLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.ensembles.fs.Fs;

/**
 * An unreadable data file and a read-only output location (a filesystem that refuses reads and
 * writes, since root ignores file permissions): one-line errors naming the file, nothing written.
 */
class PermissionDeniedTest {
    @TempDir
    Path dir;

    @BeforeEach
    void denied() {
        Fs.configure(Map.of("fs.denied.impl", DeniedFileSystem.class.getName(), "fs.denied.impl.disable.cache", "true"));
    }

    @AfterEach
    void restore() {
        Fs.configure(new Configuration());
    }

    @Test
    void anUnreadableDataFileIsNamedWithTheReason() throws IOException {
        Path images = Files.write(dir.resolve("train-images.gz"), new byte[] {1, 2, 3});
        String uri = "denied://" + images.toAbsolutePath();
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString(
                "data.train-images = \"" + uri + "\""), Map.of());
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataLoader.training(c.data()));
        assertTrue(e.getMessage().contains(uri) && e.getMessage().contains("cannot be read: Permission denied"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aReadOnlyOutputLocationFailsWithoutWritingAnything() throws IOException {
        Files.createDirectories(dir.resolve("members/m000"));
        EnsembleLayout layout = new EnsembleLayout("denied://" + dir.toAbsolutePath());
        var net = StoreFixtures.net(1);
        MemberRecord r = StoreFixtures.record("m000");
        IOException e = assertThrows(IOException.class, () -> MemberCommit.of(layout, "m000").storeFinal(net, r));
        assertTrue(e.getMessage().startsWith("Permission denied: denied:") && e.getMessage().contains("m000"),
                e.getMessage());
        try (var files = Files.list(dir.resolve("members/m000"))) {
            assertEquals(0, files.count(), "nothing written");
        }
    }
}
