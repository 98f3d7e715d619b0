package io.ensembles.sources;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.EnsembleConfig.DataSection;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.fs.Fs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a training table reaches the member tasks, and prepares it to be streamed. Small
 * tables (up to {@code data.broadcast-max-mb} decoded) are broadcast as before. A larger one is
 * streamed: its Parquet row groups become the units the tasks visit (another format, or a Parquet
 * table whose columns are not all in its files, is first copied by the executors to a staging
 * Parquet folder), and the executors make the passes the driver would otherwise make over the
 * data: the classes (Spark SQL), then every row decoded and checked, the normalisation sums, the
 * split counts and the bootstrap sizes. Only those sums come back.
 */
public final class StreamPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPlanner.class);
    static final long STAGING_ROW_GROUP_BYTES = 16L << 20;

    private StreamPlanner() {}

    /**
     * The streamed table, or null when the training table is to be broadcast (no table, the
     * project's own readers, or small enough). {@code staging}: a folder on the cluster's
     * filesystem for a copy the table may need (deleted by the caller with the job).
     */
    public static StreamedTable plan(SparkSession spark, EnsembleConfig config, long[] baggingSeeds,
                                     Map<String, String> hadoop, String staging, String runId) {
        DataSection d = config.data();
        SourceSpec s = d.train();
        if (!s.configured() || s.projectReader()) return null;
        Dataset<Row> table = TableReader.load(spark, s);
        RowDecoder decoder = RowDecoder.of(table.schema(), s, d.resize(), RowDecoder.Labels.REQUIRED);
        Dataset<Row> selected = table.select(decoder.columns().stream().map(functions::col).toArray(Column[]::new));
        List<Row> head = selected.takeAsList(1);
        if (head.isEmpty()) throw new DataFormatException(s.describe(), "is empty (no rows)");
        RowDecoder.Example first = decoder.decode(head.get(0));
        if (first.error() != null) throw new DataFormatException(s.describe(), "row 0: " + first.error());
        InputShape shape = decoder.shapeOf(first);
        long rows = selected.count();
        if (d.limit() > 0) rows = Math.min(rows, d.limit());
        double mb = rows * (double) shape.size() * (decoder.images() ? 1 : 4) / (1 << 20);
        double max = d.streaming().broadcastMaxMb();
        if (mb <= max && max > 0) {
            LOG.info("{}: {} rows of {}, {} MiB decoded, within data.broadcast-max-mb = {}: read by the driver and "
                    + "broadcast to the member tasks", s.describe(), rows, shape, String.format("%.1f", mb), max);
            return null;
        }
        if (!d.hashSplit(true)) {
            LOG.warn("{}: a streamed table is split by row hash; data.split = {} applies to broadcast tables only",
                    s.describe(), d.split());
        }
        LOG.info("{}: {} rows of {}, {} MiB decoded, above data.broadcast-max-mb = {}: streamed by the member tasks "
                + "(shuffle buffer {} rows, local cache {})", s.describe(), rows, shape, String.format("%.1f", mb), max,
                d.streaming().shuffleBuffer(), d.streaming().localCache());
        try {
            return stream(spark, config, s, table, decoder, selected, shape, baggingSeeds, hadoop, staging, runId);
        } catch (RuntimeException e) {
            removeLocalCopies(spark, runId, s.describe()); // the pass may have cached row groups before a bad one
            throw e;
        }
    }

    /** The table prepared for streaming: units, classes, and the executors' pass over every row. */
    private static StreamedTable stream(SparkSession spark, EnsembleConfig config, SourceSpec s, Dataset<Row> table,
                                        RowDecoder decoder, Dataset<Row> selected, InputShape shape,
                                        long[] baggingSeeds, Map<String, String> hadoop, String staging,
                                        String runId) {
        DataSection d = config.data();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> files = files(spark, s, table, selected, staging + "/table", hadoop);
        List<StreamedTable.Unit> units = units(jsc, files, hadoop, d.limit());
        List<String> classes = classes(selected, decoder, s);
        StreamedTable t = new StreamedTable(s.describe(), units, selected.schema(), decoder, classes, shape,
                decoder.images(), d.validationFraction(), d.splitSeed(), baggingSeeds, hadoop, runId,
                d.streaming().shuffleBuffer(), d.streaming().localCache(), config.debug().shuffleLabelsMember(),
                staging + "/validation");
        measure(jsc, t);
        t.normalisation = DataSection.NORM_UNIT_RANGE.equals(d.normalisation()) ? t.stats.sums().unitRange()
                : t.stats.sums().standardise();
        if (d.validationFraction() > 0 && t.validationRows() == 0 || t.trainRows() == 0) {
            throw new DataFormatException(s.describe(), "has " + t.rows() + " rows, " + t.validationRows()
                    + " of them on the validation side of data.validation-fraction = " + d.validationFraction()
                    + ": too few to stream (raise data.broadcast-max-mb to read it whole)");
        }
        LOG.info("{}: {} units (Parquet row groups), {} rows for training, {} for validation, {} classes", s.describe(),
                units.size(), t.trainRows(), t.validationRows(), classes.size());
        return t;
    }

    /**
     * Removes a streamed table's local cache ({@code runId}'s) from the executors: a task per slot,
     * twice over, and the driver's own. Best effort: Spark removes what is left with the
     * application's scratch folders.
     */
    public static void removeLocalCopies(SparkSession spark, String runId, String what) {
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int n = Math.max(2, jsc.defaultParallelism() * 2);
            jsc.setJobDescription("Remove the local copies of " + what);
            jsc.parallelize(IntStream.range(0, n).boxed().toList(), n).foreach(i -> UnitRows.removeLocal(runId));
            UnitRows.removeLocal(runId);
        } catch (Exception e) {
            LOG.warn("could not remove every local copy of {}: {}", what, e.getMessage());
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    /** The Parquet files to stream: the table's own, or a staging copy of its selected columns. */
    private static List<String> files(SparkSession spark, SourceSpec s, Dataset<Row> table, Dataset<Row> selected,
                                      String staging, Map<String, String> hadoop) {
        List<String> own = Arrays.stream(table.inputFiles()).sorted().toList();
        if ("parquet".equals(s.format()) && !own.isEmpty() && columnsInFiles(own.get(0), selected, hadoop)) return own;
        long t0 = System.nanoTime();
        spark.sparkContext().setJobDescription("Stage " + s.describe() + " as Parquet for streaming");
        try {
            selected.write().mode("overwrite").option("parquet.block.size", STAGING_ROW_GROUP_BYTES).parquet(staging);
        } catch (RuntimeException e) {
            throw new DataFormatException(s.describe(), "cannot be staged as Parquet for streaming: "
                    + TableReader.firstLine(e));
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
        List<String> staged = Arrays.stream(spark.read().parquet(staging).inputFiles()).sorted().toList();
        LOG.info("{}: staged as {} Parquet file(s) in {} in {} s ({} files are not Parquet row groups a task can "
                + "read)", s.describe(), staged.size(), staging, String.format("%.1f", (System.nanoTime() - t0) / 1e9),
                s.format());
        return staged;
    }

    /** Whether a Parquet file holds every selected column itself (not a partition column of the folder layout). */
    private static boolean columnsInFiles(String file, Dataset<Row> selected, Map<String, String> hadoop) {
        Fs.configure(hadoop);
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file), Fs.conf()))) {
            var schema = r.getFooter().getFileMetaData().getSchema();
            return Arrays.stream(selected.schema().fieldNames()).allMatch(schema::containsField);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot be read as Parquet: " + e.getMessage());
        }
    }

    /** Every row group of every file, in file order (the first {@code limit} rows when above 0). A footer pass on the executors. */
    private static List<StreamedTable.Unit> units(JavaSparkContext jsc, List<String> files, Map<String, String> hadoop,
                                                  int limit) {
        int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
        List<long[]> groups = jsc.parallelize(files, slices).map(f -> {
            Fs.configure(hadoop);
            return ParquetRows.rowGroups(f, Fs.conf());
        }).collect();
        List<StreamedTable.Unit> units = new ArrayList<>();
        long left = limit > 0 ? limit : Long.MAX_VALUE;
        for (int i = 0; i < files.size() && left > 0; i++) {
            long[] g = groups.get(i);
            for (int j = 0; j < g.length && left > 0; j++) {
                if (g[j] == 0) continue;
                long take = Math.min(g[j], left);
                units.add(new StreamedTable.Unit(files.get(i), j, take));
                left -= take;
            }
        }
        if (units.isEmpty()) throw new DataFormatException(files.get(0), "holds no rows");
        return units;
    }

    /** The classes, from the label column alone (Spark SQL): strings sorted, integers 0 .. the largest. */
    private static List<String> classes(Dataset<Row> selected, RowDecoder decoder, SourceSpec s) {
        String label = decoder.columns().get(0);
        Column c = functions.col(label);
        if (decoder.stringLabels()) {
            List<String> names = selected.select(c).where(c.isNotNull()).distinct().limit(100_001).collectAsList()
                    .stream().map(r -> r.getString(0)).sorted().toList();
            if (names.size() < 2) throw new DataFormatException(s.describe(), "has only one class " + names
                    + " in its label column");
            if (names.size() > 100_000) throw new DataFormatException(s.describe(), "has over 100000 classes");
            return names;
        }
        Row r = selected.agg(functions.min(c), functions.max(c)).first();
        if (r.isNullAt(0)) throw new DataFormatException(s.describe(), "column '" + label + "': every label is null");
        long lo = ((Number) r.get(0)).longValue();
        long hi = ((Number) r.get(1)).longValue();
        for (long l : new long[] {lo, hi}) {
            if (l < 0 || l > 100_000) {
                throw new DataFormatException(s.describe(), "column '" + label + "': a label is " + l
                        + ", expected a class index 0..100000 or a string");
            }
        }
        return ExampleSet.numberedClasses((int) Math.max(hi, 1) + 1);
    }

    /** Every row decoded and checked by the executors, a unit per task; the sums merged in unit order. */
    private static void measure(JavaSparkContext jsc, StreamedTable t) {
        long t0 = System.nanoTime();
        int n = t.units().size();
        int slices = Math.max(1, Math.min(n, jsc.defaultParallelism() * 4));
        jsc.setJobDescription("Check and measure " + t.source() + " (" + n + " row groups)");
        List<StreamedTable.Stats> parts;
        try {
            parts = jsc.parallelize(IntStream.range(0, n).boxed().toList(), slices)
                    .map(i -> t.statsOf(t.units().get(i), i)).collect();
        } catch (Exception e) { // a checked SparkException, thrown undeclared from Scala
            throw TableReader.dataError(e);
        } finally {
            jsc.setJobDescription(null);
        }
        t.measured(parts);
        LOG.info("{}: {} rows decoded and checked on the executors in {} s", t.source(), t.rows(),
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }
}
