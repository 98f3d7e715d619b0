package io.ensembles.bench;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.ImageDecoder;
import io.ensembles.jobs.ConvertJob;
import io.ensembles.jobs.TrainJob;
import io.ensembles.fs.Fs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training from a Parquet table of PNG images against training from the IDX files of the same
 * images (issue 18, "no slower"): {@code convert} writes the Fashion-MNIST slice in the Hugging Face
 * layout, then the same ensemble (2 members, one task each, 1 epoch) trains from each source in
 * turn, alternating, {@code --repeats} times; the whole train job is timed, reading and decoding
 * included. Also the PNG decode rate on one core. Prints medians with their range and the ratio.
 */
@Command(name = "data-source-bench", mixinStandardHelpOptions = true,
        description = "Train job time from PNG Parquet against IDX, and the PNG decode rate per core.")
public final class DataSourceBench implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--limit", description = "training images (default ${DEFAULT-VALUE})")
    int limit = 20000;
    @Option(names = "--repeats", description = "timed runs of each source (default ${DEFAULT-VALUE})")
    int repeats = 3;
    @Option(names = "--epochs", description = "epochs of each member (default ${DEFAULT-VALUE})")
    int epochs = 1;
    @Option(names = "--master", description = "Spark master (default ${DEFAULT-VALUE})")
    String master = "local[2]";

    static final String FM = Samples.FASHION_MNIST;

    public static void main(String[] args) {
        io.ensembles.train.NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new DataSourceBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        SparkSession spark = Samples.spark(master, "data-source-bench");
        Path dir = Files.createTempDirectory("data-source-bench");
        try {
            String train = dir.resolve("train").toUri().toString();
            String test = dir.resolve("test").toUri().toString();
            ConvertJob.run(spark, "idx", FM + "train-images-idx3-ubyte.gz", FM + "train-labels-idx1-ubyte.gz", limit, train);
            ConvertJob.run(spark, "idx", FM + "t10k-images-idx3-ubyte.gz", FM + "t10k-labels-idx1-ubyte.gz", 2000, test);
            String common = """
                    ensemble { name = "bench", members = 2, seed = 3 }
                    training { epochs = %d, batch-size = 128 }
                    """.formatted(epochs);
            // the same images: the first N of the IDX files, or the tables that hold just those
            String base = common + "data { limit = %d, test-limit = 2000 }\n".formatted(limit);
            String parquet = common + """
                    data.train { format = parquet, path = "%s", image-column = image }
                    data.test { format = parquet, path = "%s", image-column = image }
                    """.formatted(train, test);
            List<Double> idx = new ArrayList<>();
            List<Double> png = new ArrayList<>();
            time(spark, base, dir.resolve("warm-up-idx")); // native libraries, JIT, ImageIO
            time(spark, parquet, dir.resolve("warm-up-png"));
            for (int r = 0; r < repeats; r++) {
                idx.add(time(spark, base, dir.resolve("idx" + r)));
                png.add(time(spark, parquet, dir.resolve("png" + r)));
            }
            double decodeRate = decodeRate(spark, train);
            double mi = Samples.median(idx);
            double mp = Samples.median(png);
            System.out.printf(Locale.ROOT, "2 members x %d epoch(s), %s%n%n", epochs, master);
            System.out.printf(Locale.ROOT, "| source | train job s (median, range of %d) | ratio to IDX |%n", repeats);
            System.out.println("|---|---|---|");
            System.out.printf(Locale.ROOT, "| IDX files (%d images) | %.1f (%.1f-%.1f) | 1.00 |%n", limit, mi,
                    Samples.min(idx), Samples.max(idx));
            System.out.printf(Locale.ROOT, "| PNG Parquet, Hugging Face layout | %.1f (%.1f-%.1f) | %.2f |%n", mp,
                    Samples.min(png), Samples.max(png), mp / mi);
            System.out.printf(Locale.ROOT, "%nPNG decode (ImageIO, 28x28 grey): %.0f images/s on one core%n", decodeRate);
        } finally {
            spark.stop();
            Fs.delete(dir.toUri().toString(), true);
        }
        return 0;
    }

    private static double time(SparkSession spark, String hocon, Path out) throws Exception {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString(hocon), Map.of());
        long t0 = System.nanoTime();
        TrainJob.run(spark, c, out.toUri().toString());
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Images/s of ImageDecoder on this thread over the table's PNGs (after one untimed pass). */
    private static double decodeRate(SparkSession spark, String table) throws Exception {
        List<byte[]> pngs = new ArrayList<>();
        for (Row r : spark.read().parquet(table).select("image.bytes").collectAsList()) pngs.add(r.getAs(0));
        for (byte[] b : pngs) ImageDecoder.decode(b, 0, 0);
        long t0 = System.nanoTime();
        for (byte[] b : pngs) ImageDecoder.decode(b, 0, 0);
        return pngs.size() / ((System.nanoTime() - t0) / 1e9);
    }
}
