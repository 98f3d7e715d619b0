package io.ensembles.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ensembles.testing.FashionMnist;

import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.versions.EnsembleVersions;
import io.ensembles.versions.RetrainRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ensemble retrain} end to end, in-process with real Spark (local mode) and real files: the
 * first version, a worse version that is kept out, a warm-started better one that is promoted, the
 * pointer, pruning, the exit codes, and the rejections before Spark starts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetrainCommandTest {
    @TempDir
    static Path dir;

    static final String FASHION = FashionMnist.DIR;
    static Path conf;
    static String root;
    static EnsembleVersions versions;

    @BeforeAll
    static void config() throws IOException {
        assertTrue(Files.isRegularFile(Path.of(FASHION, "train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: run submit/setup");
        conf = dir.resolve("retrain.conf");
        Files.writeString(conf, """
                ensemble { name = "nightly", members = 2, seed = 5 }
                data { limit = 1500, test-limit = 500 }
                model { architectures = [mlp], mlp { hidden = [32] } }
                training { epochs = 1, batch-size = 64, learning-rate = 0.05 }
                evaluation { random-orders = 0, write-predictions = false }
                retrain { keep-versions = 2 }
                """);
        root = dir.resolve("nightly").toUri().toString();
        versions = new EnsembleVersions(Fs.qualify(root));
    }

    private static EnsembleCliTest.Run retrain(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("retrain", "--ensemble", root, "--in-spark"));
        all.addAll(List.of(args));
        return EnsembleCliTest.run(all.toArray(String[]::new));
    }

    /** Every file under a folder with its SHA-256: what "unchanged" means. */
    static Map<String, String> tree(Path folder) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.exists(folder)) return files;
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString(), Fs.sha256Hex(Files.readAllBytes(p)));
            }
        }
        return files;
    }

    @Test
    @Order(1)
    void beforeSparkStartsBadRequestsAreRejected() throws IOException {
        EnsembleCliTest.Run r = retrain();
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("has no current version (no current.json): the first retrain needs --config"),
                r.err());
        r = retrain("--config", conf.toString(), "--data", dir.toString());
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("invalid value for --data: file:" + dir)
                && r.err().contains("missing train-images-idx3-ubyte[.gz]"), r.err());
        r = retrain("--config", conf.toString(), "--set", "retrain.metric=accuracy");
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("invalid value for retrain.metric: \"accuracy\""), r.err());
        r = retrain("--config", conf.toString(), "--set", "retrain.keep-versions=0");
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("retrain.keep-versions: 0"), r.err());
        assertTrue(tree(dir.resolve("nightly")).isEmpty(), "nothing written");
    }

    @Test
    @Order(2)
    void theFirstVersionIsPromoted() throws IOException {
        EnsembleCliTest.Run r = retrain("--config", conf.toString(), "--data", FASHION);
        assertEquals(EnsembleCli.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Version v0001 (the first): PROMOTED"), r.out());
        assertEquals("v0001", versions.current().version());
        RetrainRecord rec = versions.readRecord("v0001");
        assertEquals(RetrainRecord.PROMOTED, rec.state());
        assertEquals(5, rec.baseSeed());
        assertNotNull(rec.candidateValue());
        assertEquals(versions.version("v0001"), EnsembleVersions.resolve(Fs.qualify(root)), "readers follow the pointer");
    }

    @Test
    @Order(3)
    void aWorseVersionIsKeptOutAndTheCurrentOneIsUntouched() throws IOException {
        Map<String, String> before = tree(dir.resolve("nightly/versions/v0001"));
        String pointer = Files.readString(dir.resolve("nightly/current.json"));
        // a far too small learning rate: the new version is worse than the current one (so close to
        // chance that the collapse guard, not under test here, would leave every member out)
        EnsembleCliTest.Run r = retrain("--set", "training.learning-rate=0.00001", "--set", "training.collapse-margin=0");
        assertEquals(EnsembleCli.KEPT, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Version v0002 (against current v0001): KEPT THE CURRENT VERSION"), r.out());
        assertTrue(r.out().contains("worse: nll "), r.out());
        assertEquals(pointer, Files.readString(dir.resolve("nightly/current.json")));
        assertEquals(before, tree(dir.resolve("nightly/versions/v0001")), "the current version's files unchanged");
        RetrainRecord rec = versions.readRecord("v0002");
        assertEquals(RetrainRecord.KEPT_OLD, rec.state());
        assertTrue(rec.candidateValue() > rec.currentValue(), rec.toString());
        // both measured on the same data: the current version's evaluation sits in the new version's folder
        assertTrue(Files.isRegularFile(dir.resolve("nightly/versions/v0002/baseline/metrics.json")));
        // the configuration came from the current version; the seed advanced by one version
        Manifest m = Manifest.read(new EnsembleLayout(versions.version("v0002")));
        assertEquals(List.of(1_000_005L, 1_001_005L), m.members().stream().map(MemberRecord::seed).toList());
    }

    @Test
    @Order(4)
    void aWarmStartedBetterVersionIsPromotedAndOldVersionsArePruned() throws IOException {
        EnsembleCliTest.Run r = retrain("--init", "warm-start");
        assertEquals(EnsembleCli.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Version v0003 (against current v0001): PROMOTED"), r.out());
        assertEquals("v0003", versions.current().version());
        assertEquals("v0001", versions.current().previous());
        Manifest m = Manifest.read(new EnsembleLayout(versions.version("v0003")));
        assertEquals(versions.version("v0001"), m.run().get("warmStartFrom"));
        RetrainRecord rec = versions.readRecord("v0003");
        assertTrue(rec.candidateValue() <= rec.currentValue(), rec.toString());
        // keep-versions = 2: v0001 goes (no longer current), v0002 and v0003 stay
        assertEquals(List.of("v0002", "v0003"), versions.list());
        assertTrue(r.out().contains("deleted: v0001"), r.out());
    }

    @Test
    @Order(5)
    void warmStartNeedsTheSameModelAndABrokenPointerIsAnError() throws IOException {
        Map<String, String> before = tree(dir.resolve("nightly"));
        EnsembleCliTest.Run r = retrain("--init", "warm-start", "--set", "model.mlp.hidden=[64]");
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("the new configuration's model differs from current version v0003's"), r.err());
        r = retrain("--init", "warm-start", "--set", "ensemble.method=sse", "--set", "snapshot.cycles=2");
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        assertTrue(r.err().contains("method sse trains its members in one run"), r.err());
        assertEquals(before, tree(dir.resolve("nightly")), "nothing written");
        String pointer = Fs.readString(versions.pointer());
        Fs.writeString(versions.pointer(), "{ not json", true);
        r = retrain();
        assertEquals(EnsembleCli.FAILED, r.code(), r.err());
        assertTrue(r.err().contains("current.json: not a valid version pointer"), r.err());
        Fs.writeString(versions.pointer(), "{\"version\":\"v0009\"}", true);
        r = retrain();
        assertEquals(EnsembleCli.FAILED, r.code(), r.err());
        assertTrue(r.err().contains("names version v0009 but") && r.err().contains("is missing"), r.err());
        assertNull(versions.readRecord("v0004"), "no version started");
        Fs.writeString(versions.pointer(), pointer, true);
    }

    @Test
    @Order(6)
    void aRunInterruptedBeforeItsDecisionIsResumedNotRepeated() throws IOException {
        // v0003 was warm-started and its configuration says so: start afresh, with a far too small rate
        String[] worse = {"--init", "new-seeds", "--set", "training.learning-rate=0.00001", "--set",
            "training.collapse-margin=0"};
        assertEquals(EnsembleCli.KEPT, retrain(worse).code());
        // what a driver killed after training, before deciding, leaves behind
        RetrainRecord done = versions.readRecord("v0004");
        versions.writeRecord(done.with(RetrainRecord.TRAINING, null, null, null, null));
        Fs.delete(versions.baseline("v0004"), true);
        List<MemberRecord> trained = Manifest.read(new EnsembleLayout(versions.version("v0004"))).members();

        EnsembleCliTest.Run r = retrain(worse);
        assertEquals(EnsembleCli.KEPT, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Version v0004 (against current v0003)"), r.out());
        assertEquals(trained, Manifest.read(new EnsembleLayout(versions.version("v0004"))).members(),
                "the complete members were kept, not trained again");
        assertTrue(Files.isRegularFile(dir.resolve("nightly/versions/v0004/baseline/metrics.json")));
        assertEquals("v0003", versions.current().version());

        // asked for something else, the next run leaves the unfinished version and starts a new one
        versions.writeRecord(done.with(RetrainRecord.TRAINING, null, null, null, null));
        r = retrain("--init", "new-seeds", "--set", "training.learning-rate=0.00002", "--set",
                "training.collapse-margin=0");
        assertEquals(EnsembleCli.KEPT, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Version v0005"), r.out());
        assertEquals(List.of("v0003", "v0004", "v0005"), versions.list(), "kept: the two newest and the current");
        assertEquals(RetrainRecord.ABANDONED, versions.readRecord("v0004").state());
    }
}
