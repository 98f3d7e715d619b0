package io.ensembles.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invalid options and configurations are rejected before Spark starts: a one-line error that
 * names the key or option, the value and what is allowed, and exit code 2.
 */
public class EnsembleCliTest {
    @TempDir
    Path dir;

    /** What a command printed and returned. */
    public record Run(int code, String err, String out) {}

    /** Runs the command line in this JVM, capturing its output (shared by the CLI tests of other packages). */
    public static Run run(String... args) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = EnsembleCli.execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    private String quickstart() {
        return Path.of("../conf/quickstart.conf").toAbsolutePath().toString();
    }

    private void rejected(String mustContain, String... args) {
        Run r = run(args);
        assertEquals(EnsembleCli.INVALID, r.code(), r.err());
        String line = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        assertTrue(line.contains(mustContain), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
    }

    @Test
    void helpIsThereForEveryCommand() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("train") && r.out().contains("evaluate"), r.out());
        r = run("train", "--help");
        assertEquals(0, r.code());
        for (String opt : new String[] {"--config", "--master", "--out", "--members", "--epochs", "--limit", "--set",
                "--alpha", "--gamma", "--heads", "--data-parallel"}) {
            assertTrue(r.out().contains(opt), opt);
        }
        r = run("retrain", "--help");
        assertEquals(0, r.code());
        for (String opt : new String[] {"--ensemble", "--config", "--data", "--init", "--epochs", "--limit", "--set",
                "--master", "Exit codes: 0 promoted, 3 kept"}) {
            assertTrue(r.out().contains(opt), opt);
        }
        r = run("landscape", "--help");
        assertEquals(0, r.code());
        for (String opt : new String[] {"--ensemble", "--points", "--steps", "--out", "--master"}) {
            assertTrue(r.out().contains(opt), opt);
        }
        assertEquals(EnsembleCli.INVALID, run("landscape", "--ensemble", "/tmp", "--points", "0").code());
        r = run("evaluate", "--help");
        for (String opt : new String[] {"--ensemble", "--master", "--set", "--report", "--ood", "--shift", "--comparison"}) {
            assertTrue(r.out().contains(opt), opt);
        }
    }

    @Test
    void invalidValuesAreRejectedBeforeSparkStarts() throws Exception {
        String q = quickstart();
        rejected("ensemble.members: 0", "train", "--config", q, "--members", "0");
        rejected("training.epochs: -1", "train", "--config", q, "--epochs", "-1");
        rejected("data.limit", "train", "--config", q, "--limit", "-5");
        rejected("training.learning-rate: -0.1", "train", "--config", q, "--set", "training.learning-rate=-0.1");
        rejected("model.architectures", "train", "--config", q, "--set", "model.architectures=[vit]");
        rejected("unknown configuration key 'training.lr'", "train", "--config", q, "--set", "training.lr=1");
        rejected("--master: mars://x", "train", "--config", q, "--master", "mars://x");
        rejected("spark.task.cpus: zero", "train", "--config", q, "--spark-conf", "spark.task.cpus=zero");
        rejected("does not exist", "train", "--config", dir.resolve("missing.conf").toString());
        rejected("Missing required option: '--config", "train");
        rejected("'--members'", "train", "--config", q, "--members", "many");
        // evaluate overrides only how it evaluates and on which data, never what was trained
        rejected("--set training.epochs=3 (evaluate takes evaluation.* keys", "evaluate", "--ensemble",
                dir.toString(), "--set", "training.epochs=3");

        Path conf = dir.resolve("bad-data.conf");
        Files.writeString(conf, "data.train-images = \"" + dir.resolve("nowhere.gz").toUri() + "\"\n");
        rejected("data.train-images", "train", "--config", conf.toString());
    }

    @Test
    void evaluateRefusesAFolderWithoutAnEnsemble() {
        Run r = run("evaluate", "--ensemble", dir.toUri().toString());
        assertEquals(EnsembleCli.FAILED, r.code());
        assertTrue(r.err().contains("error: ") && r.err().contains("no manifest here"), r.err());
        Run neg = run("evaluate", "--ensemble", dir.toString(), "--test-limit", "-1");
        assertEquals(EnsembleCli.INVALID, neg.code(), neg.err());
    }

    @Test
    void methodsBelongToTheirCommand() {
        String q = quickstart();
        String snap = Path.of("../conf/snapshot.conf").toAbsolutePath().toString();
        Run help = run("snapshot", "--help");
        assertEquals(0, help.code());
        for (String opt : new String[] {"--method", "--cycles", "--mode", "--epochs", "--master"}) {
            assertTrue(help.out().contains(opt), opt);
        }
        rejected("invalid method for train: sse", "train", "--config", q, "--method", "sse");
        rejected("invalid method for snapshot: deep", "snapshot", "--config", snap, "--method", "deep");
        rejected("ensemble.method: \"bagging\"", "snapshot", "--config", snap, "--method", "bagging");
        rejected("model.dropout: 0.0", "train", "--config", q, "--method", "mc-dropout");
        rejected("packed.alpha: 0", "train", "--config", q, "--method", "packed", "--alpha", "0");
        rejected("packed.alpha: NaN", "train", "--config", q, "--method", "packed", "--alpha", "NaN");
        rejected("gamma * M = 3 * 4 = 12", "train", "--config", q, "--method", "packed", "--gamma", "3");
        rejected("packed.heads: 3 (expected a divisor of ensemble.members = 4", "train", "--config", q,
                "--method", "packed", "--heads", "3");
        rejected("invalid method for snapshot: packed", "snapshot", "--config", snap, "--method", "packed", "--set",
                "ensemble.members=4");
        rejected("snapshot.cycles: 1", "snapshot", "--config", snap, "--cycles", "1");
        rejected("snapshot.mode", "snapshot", "--config", snap, "--mode", "everywhere");
        rejected("snapshot.fge.pretrain-epochs", "snapshot", "--config", snap, "--method", "fge",
                "--set", "snapshot.fge.pretrain-epochs=6");
        rejected("--comparison", "evaluate", "--ensemble", dir.toString(), "--comparison", "/tmp/c.json");
        rejected("--mc-passes: 0", "evaluate", "--ensemble", dir.toString(), "--mc-passes", "0");
        rejected("--ood: " + dir.resolve("none.csv.gz").toUri(), "evaluate", "--ensemble", dir.toString(), "--ood",
                dir.resolve("none.csv.gz").toUri().toString());
    }
}
