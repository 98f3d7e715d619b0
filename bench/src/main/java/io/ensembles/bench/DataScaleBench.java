package io.ensembles.bench;

import io.ensembles.evaluation.EvaluationOptions;
import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.ConvertJob;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.jobs.TrainJob;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Data larger than the driver (issue 19). Fashion-MNIST as a PNG Parquet table (written by
 * {@code convert}), its file copied {@code --copies} times: 2 members train 1 epoch on it, streamed,
 * in a JVM whose heap is the driver's ({@code -Xmx1g} from {@code submit/bench-data}; in local mode
 * the executor is the same JVM). Then: images/s of the streamed path against the broadcast path on
 * the one-copy table (small enough for both), in the same run; and the evaluation's time on the
 * test table copied 1, 4 and 16 times.
 */
@Command(name = "data-scale-bench", mixinStandardHelpOptions = true,
        description = "Streamed training on a table larger than the driver's heap, and its cost against the broadcast path.")
public final class DataScaleBench implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--copies", description = "copies of the 60,000 training images in the large table (default ${DEFAULT-VALUE})")
    int copies = 20;
    @Option(names = "--arch", description = "architecture of the members (default ${DEFAULT-VALUE})")
    String arch = "mlp";
    @Option(names = "--ratio-archs", split = ",", description = "architectures of the streamed-against-broadcast runs "
            + "(default ${DEFAULT-VALUE})")
    List<String> ratioArchs = List.of("mlp", "cnn");
    @Option(names = "--repeats", description = "timed runs of each path on the small table (default ${DEFAULT-VALUE})")
    int repeats = 2;
    @Option(names = "--eval-copies", split = ",", description = "copies of the test set to evaluate (default ${DEFAULT-VALUE})")
    List<Integer> evalCopies = List.of(1, 4, 16);
    @Option(names = "--no-eval-large", description = "do not evaluate on the large table itself (by default it is "
            + "evaluated too: a test set larger than the driver's heap)")
    boolean noEvalLarge;
    @Option(names = "--master", description = "Spark master (default ${DEFAULT-VALUE})")
    String master = "local[2]";
    @Option(names = "--work", description = "folder for the tables and ensembles (default: a temporary folder, removed)")
    Path work;

    static final String FM = Samples.FASHION_MNIST;

    public static void main(String[] args) {
        io.ensembles.train.NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new DataScaleBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        SparkSession spark = Samples.spark(master, "data-scale-bench");
        boolean temporary = work == null;
        Path dir = temporary ? Files.createTempDirectory("data-scale-bench") : Files.createDirectories(work);
        try {
            String one = dir.resolve("train-1x").toUri().toString();
            String test = dir.resolve("test-1x").toUri().toString();
            if (!Fs.exists(one)) {
                ConvertJob.run(spark, "idx", FM + "train-images-idx3-ubyte.gz", FM + "train-labels-idx1-ubyte.gz", 0, one);
            }
            if (!Fs.exists(test)) {
                ConvertJob.run(spark, "idx", FM + "t10k-images-idx3-ubyte.gz", FM + "t10k-labels-idx1-ubyte.gz", 0, test);
            }
            String large = copies(one, dir.resolve("train-" + copies + "x").toUri().toString(), copies);
            long heap = Runtime.getRuntime().maxMemory() >> 20;
            System.out.printf(Locale.ROOT, "JVM heap (driver and, in local mode, executor): %d MiB; %s; 2 %s members x 1 "
                    + "epoch%n%n", heap, master, arch);

            // the large table first, streamed (the default for its size), with the peaks of a fresh JVM
            long rows = largeTable(spark, dir, large, test, heap);
            // the small table, every way, alternating (warm-up first: native libraries, JIT, ImageIO)
            System.out.println("| arch | path, 60,000-image table (45 MiB decoded; train job, 2 members x 1 epoch) | "
                    + "images/s (median, range) | ratio to broadcast | driver peak live heap MiB |");
            System.out.println("|---|---|---|---|---|");
            for (String a : ratioArchs) smallTable(spark, dir, one, test, a);
            System.out.println();
            String big = dir.resolve("large-ensemble").toUri().toString();

            // evaluation on 1x, 4x, 16x the test set, streamed from the executors
            System.out.println("| test table | rows | decoded | evaluate s | s per 10,000 rows | driver peak live heap MiB |");
            System.out.println("|---|---|---|---|---|---|");
            for (int c : evalCopies) {
                String t = copies(test, dir.resolve("test-" + c + "x").toUri().toString(), c);
                evaluate(spark, dir, big, t, c + "x", 10_000L * c);
            }
            if (!noEvalLarge) evaluate(spark, dir, big, large, "the training table", rows);
        } finally {
            spark.stop();
            if (temporary) Fs.delete(dir.toUri().toString(), true);
        }
        return 0;
    }

    /** Trains on the large table (streamed) and prints its table: sizes, speed, the driver's and the process's peaks. */
    private long largeTable(SparkSession spark, Path dir, String large, String test, long heap) throws Exception {
        long rss0 = ResidentMemory.resetPeak();
        Manifest m = train(spark, large, test, arch, "", dir.resolve("large-ensemble"));
        long rssPeak = ResidentMemory.peak();
        long rows = ((Number) m.data().get("trainExamples")).longValue()
                + ((Number) m.data().get("validationExamples")).longValue();
        double decodedMiB = rows * 784.0 / (1 << 20);
        System.out.printf(Locale.ROOT, "| large table | %d rows, %.0f MiB decoded (%.1fx the heap), %s path, %s units |%n",
                rows, decodedMiB, decodedMiB / heap, m.data().get("path"), m.data().getOrDefault("units", "no"));
        System.out.println("|---|---|");
        System.out.printf(Locale.ROOT, "| train job | %.0f s, %.0f images/s |%n", seconds(m),
                2.0 * ((Number) m.data().get("trainExamples")).longValue() / seconds(m));
        System.out.printf(Locale.ROOT, "| driver heap, peak live (after a GC) | %s MiB of %d (sum of the pools' peaks, "
                + "garbage included: %s MiB) |%n", m.run().get("driverPeakLiveHeapMiB"), heap, m.run().get("driverPeakHeapMiB"));
        System.out.printf(Locale.ROOT, "| process peak RSS | %d MiB (%d MiB before the job) |%n", rssPeak >> 20, rss0 >> 20);
        System.out.printf(Locale.ROOT, "| executor peaks (Spark's metrics) | %s |%n%n", m.run().get("executorPeakMemoryMiB"));
        return rows;
    }

    /** The small table every way (broadcast, streamed, streamed with the local cache), alternating, for {@code a}. */
    private void smallTable(SparkSession spark, Path dir, String one, String test, String a) throws Exception {
        train(spark, one, test, a, "", dir.resolve("warm-up"));
        String[] paths = {"broadcast", "streamed", "streamed, local cache"};
        String[] settings = {"", "data { broadcast-max-mb = 0, local-cache = false }",
                "data { broadcast-max-mb = 0, local-cache = true }"};
        List<List<Double>> rates = new ArrayList<>();
        List<List<Double>> liveHeap = new ArrayList<>();
        for (int p = 0; p < paths.length; p++) {
            rates.add(new ArrayList<>());
            liveHeap.add(new ArrayList<>());
        }
        for (int r = 0; r < repeats; r++) {
            for (int p = 0; p < paths.length; p++) {
                Manifest run = train(spark, one, test, a, settings[p], dir.resolve("small-" + p));
                String expected = p == 0 ? "broadcast" : "streamed";
                if (!expected.equals(run.data().get("path"))) {
                    throw new IllegalStateException(paths[p] + " took the " + run.data().get("path") + " path");
                }
                rates.get(p).add(2.0 * ((Number) run.data().get("trainExamples")).longValue() / seconds(run));
                liveHeap.get(p).add(((Number) run.run().get("driverPeakLiveHeapMiB")).doubleValue());
            }
        }
        double base = Samples.median(rates.get(0));
        for (int p = 0; p < paths.length; p++) {
            List<Double> v = rates.get(p);
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f (%.0f-%.0f) | %.2f | %.0f |%n", a, paths[p],
                    Samples.median(v), Samples.min(v), Samples.max(v), Samples.median(v) / base,
                    Samples.median(liveHeap.get(p)));
        }
    }

    /** Evaluates the ensemble {@code big} on {@code table} ({@code n} rows) and prints its row of the table. */
    private static void evaluate(SparkSession spark, Path dir, String big, String table, String name, long n)
            throws Exception {
        String out = dir.resolve("eval-" + name.replace(' ', '-')).toUri().toString();
        Fs.delete(out, true);
        long t0 = System.nanoTime();
        EvaluateJob.run(spark, big, EvaluationOptions.defaults().testLimit(0).settings(Map.of("data.test.path", table)));
        double s = (System.nanoTime() - t0) / 1e9;
        var metrics = io.ensembles.store.Json.MAPPER.readTree(Fs.readString(out + "/metrics.json"));
        System.out.printf(Locale.ROOT, "| %s | %d | %.0f MiB | %.1f | %.2f | %s |%n", name, n, n * 784.0 / (1 << 20), s,
                s / n * 10_000, metrics.path("driverPeakLiveHeapMiB").asText());
    }

    /** A table of {@code n} copies of {@code from}'s Parquet files (copied once, kept when {@code --work} is given). */
    private static String copies(String from, String to, int n) throws Exception {
        if (n == 1) return from;
        if (Fs.exists(to)) return to;
        Fs.mkdirs(to + ".tmp");
        List<String> parts = Fs.list(from).stream().filter(p -> p.endsWith(".parquet")).toList();
        for (int c = 0; c < n; c++) {
            for (String p : parts) {
                String name = p.substring(p.lastIndexOf('/') + 1);
                org.apache.hadoop.fs.Path src = Fs.path(Fs.qualify(p));
                org.apache.hadoop.fs.FileUtil.copy(Fs.fs(src), src, Fs.fs(src),
                        Fs.path(to + ".tmp/copy" + String.format("%03d", c) + "-" + name), false, Fs.conf());
            }
        }
        Fs.renameFolder(to + ".tmp", to);
        return to;
    }

    private Manifest train(SparkSession spark, String table, String test, String arch, String extra, Path out)
            throws Exception {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString("""
                ensemble { name = "scale", members = 2, seed = 3 }
                data.train { format = parquet, path = "%s", image-column = image }
                data.test { format = parquet, path = "%s", image-column = image }
                model.architectures = [%s]
                training { epochs = 1, batch-size = 128 }
                %s
                """.formatted(table, test, arch, extra)), Map.of());
        Fs.delete(out.toUri().toString(), true); // a kept --work folder: train afresh
        return TrainJob.run(spark, c, out.toUri().toString());
    }

    private static double seconds(Manifest m) {
        return ((Number) m.run().get("wallSeconds")).doubleValue();
    }
}
