package io.ensembles.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.fs.Fs;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input catalogue through the whole command line with Spark running (in-process, local
 * mode): data errors exit with 2, store errors (a manifest that is not JSON, a missing member file,
 * a folder holding another ensemble) with 1; each prints one line naming the file and the problem
 * and leaves the store exactly as it was (an existing ensemble unchanged, no new output folder).
 */
class BadInputCliTest {
    @TempDir
    static Path dir;

    static Path data;
    static Path conf;
    static Path ens;

    static final int ROWS = 28;

    static byte[] images(int count, int rows, int cols) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x00000803);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) out.writeByte((i * 31 + p * (i % 10 + 1)) % 256);
        }
        return b.toByteArray();
    }

    static byte[] labels(int count, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x00000801);
        out.writeInt(count);
        for (int i = 0; i < count; i++) out.writeByte(i % (max + 1));
        return b.toByteArray();
    }

    static String file(String name, byte[] bytes) throws IOException {
        Path p = data.resolve(name);
        Files.write(p, bytes);
        return p.toUri().toString();
    }

    /** A configuration over the good files, with some keys replaced. */
    static Path config(String name, Map<String, String> replaced) throws IOException {
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        keys.put("data.train-images", data.resolve("train-images").toUri().toString());
        keys.put("data.train-labels", data.resolve("train-labels").toUri().toString());
        keys.put("data.test-images", data.resolve("test-images").toUri().toString());
        keys.put("data.test-labels", data.resolve("test-labels").toUri().toString());
        keys.putAll(replaced);
        StringBuilder sb = new StringBuilder("""
                ensemble { name = "data-errors", members = 2 }
                model { architectures = [mlp], mlp { hidden = [16] } }
                training { epochs = 1, batch-size = 50 }
                evaluation { random-orders = 0 }
                # random pixels and labels teach nothing: without this the collapse guard would leave out
                # the members whose files these tests break
                training.collapse-margin = 0
                """);
        keys.forEach((k, v) -> sb.append(k).append(" = \"").append(v).append("\"\n"));
        Path p = dir.resolve(name + ".conf");
        Files.writeString(p, sb.toString());
        return p;
    }

    @BeforeAll
    static void trainAGoodEnsemble() throws IOException {
        data = Files.createDirectories(dir.resolve("data"));
        file("train-images", images(400, ROWS, ROWS));
        file("train-labels", labels(400, 9));
        file("test-images", images(100, ROWS, ROWS));
        file("test-labels", labels(100, 9));
        conf = config("good", Map.of());
        ens = dir.resolve("ens");
        EnsembleCliTest.Run r = EnsembleCliTest.run("train", "--config", conf.toString(), "--out", ens.toString(),
                "--in-spark");
        assertEquals(EnsembleCli.OK, r.code(), r.err() + r.out());
    }

    /** Runs a command that must fail on bad data: exit 2, one error line containing {@code message}, store as it was. */
    static void refused(String message, String... args) throws IOException {
        refused(EnsembleCli.INVALID, ens, message, args);
    }

    /** Runs a command that must fail with {@code code} and one error line containing {@code message}, {@code store} as it was. */
    static void refused(int code, Path store, String message, String... args) throws IOException {
        var before = RetrainCommandTest.tree(store);
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--in-spark");
        EnsembleCliTest.Run r = EnsembleCliTest.run(all.toArray(String[]::new));
        assertEquals(code, r.code(), r.err() + r.out());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(message), errors.get(0));
        assertEquals(before, RetrainCommandTest.tree(store), "the store's files are unchanged");
        assertFalse(Files.exists(dir.resolve("new")), "no output folder was created");
    }

    @Test
    void badTrainingDataStopsTrainBeforeAnythingIsWritten() throws IOException {
        String out = dir.resolve("new").toString();
        byte[] wrongMagic = images(400, ROWS, ROWS);
        wrongMagic[3] = 0x01;
        refused("wrong magic number", "train", "--config", config("magic",
                Map.of("data.train-images", file("magic-images", wrongMagic))).toString(), "--out", out);
        byte[] good = images(400, ROWS, ROWS);
        refused("truncated", "train", "--config", config("truncated", Map.of("data.train-images",
                file("truncated-images", java.util.Arrays.copyOf(good, good.length - 1000)))).toString(), "--out", out);
        refused("outside the class range 0..9", "train", "--config", config("range",
                Map.of("data.train-labels", file("range-labels", labels(400, 12)))).toString(), "--out", out);
        refused("is empty", "train", "--config", config("empty", Map.of("data.train-images",
                file("empty-images", images(0, ROWS, ROWS)), "data.train-labels", file("empty-labels", labels(0, 9))))
                .toString(), "--out", out);
        refused("has examples of 1x20x20 image but the models expect 1x28x28 image", "train", "--config", config("size",
                Map.of("data.test-images", file("small-test-images", images(100, 20, 20)))).toString(), "--out", out);
    }

    @Test
    void aRerunOnDataCorruptedSinceLeavesTheEnsembleAsItWas() throws IOException {
        // same configuration, but the file behind data.train-images was damaged after the first run
        Path images = data.resolve("train-images");
        byte[] good = Files.readAllBytes(images);
        try {
            Files.write(images, java.util.Arrays.copyOf(good, 100));
            refused("truncated", "train", "--config", conf.toString(), "--out", ens.toString());
        } finally {
            Files.write(images, good);
        }
    }

    @Test
    void badTestDataStopsTheEvaluationWithoutTouchingTheEnsemble() throws IOException {
        refused("has examples of 1x20x20 image but the models expect 1x28x28 image", "evaluate", "--ensemble", ens.toString(),
                "--set", "data.test-images=" + file("eval-small-images", images(100, 20, 20)));
        refused("outside the class range 0..9", "evaluate", "--ensemble", ens.toString(),
                "--set", "data.test-labels=" + file("eval-range-labels", labels(100, 11)));
        // NaN features: the digits CSV is the one text format (IDX holds bytes)
        String row = String.join(",", Collections.nCopies(64, "3")) + ",1";
        String nan = file("nan.csv", (row + "\n" + row.replaceFirst("3", "NaN") + "\n").getBytes());
        refused("line 2 column 1 has grey level NaN, expected 0..16", "evaluate", "--ensemble", ens.toString(),
                "--ood", nan);
    }

    /** A copy of the good ensemble to damage. */
    static Path copyOfEnsemble(String name) throws IOException {
        Path copy = dir.resolve(name);
        try (var all = Files.walk(ens)) {
            for (Path p : all.toList()) {
                Path to = copy.resolve(ens.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        return copy;
    }

    @Test
    void storeErrorsExitWith1AndChangeNothing() throws IOException {
        Path notJson = copyOfEnsemble("not-json");
        Fs.writeString(notJson.resolve("manifest.json").toUri().toString(), "{ \"formatVersion\": 1, ", true);
        refused(EnsembleCli.FAILED, notJson, "manifest.json: not a valid manifest", "evaluate", "--ensemble",
                notJson.toString());

        Path missing = copyOfEnsemble("missing-member");
        Files.delete(missing.resolve("members/m001/model.zip"));
        Files.deleteIfExists(missing.resolve("members/m001/.model.zip.crc"));
        refused(EnsembleCli.FAILED, missing, "member m001: model file", "evaluate", "--ensemble", missing.toString());

        // another ensemble's folder as --out: refused before anything is trained or written
        Path other = config("other", Map.of());
        Files.writeString(other, Files.readString(other).replace("members = 2", "members = 3"));
        refused(EnsembleCli.FAILED, ens, "already holds ensemble 'data-errors' made with a different configuration",
                "train", "--config", other.toString(), "--out", ens.toString());
    }

    @Test
    void badDataForARetrainLeavesNoVersionBehind() throws IOException {
        Path series = dir.resolve("series");
        byte[] wrongMagic = images(400, ROWS, ROWS);
        wrongMagic[3] = 0x02;
        refused("wrong magic number", "retrain", "--ensemble", series.toString(), "--config", config("retrain-magic",
                Map.of("data.train-images", file("retrain-magic-images", wrongMagic))).toString());
        assertTrue(Fs.list(series.toUri() + "/versions").isEmpty(), "no version folder left");
    }
}
