package io.ensembles.sources;

import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a source table through Spark SQL into an {@link ExampleSet}. The executors decode their
 * partitions (images once each, here), the driver gathers the decoded examples in table order and
 * checks them: one shape for all, labels present and known. The first defect fails the read with
 * one line naming the source, the column, the row and what was expected.
 */
public final class TableReader {
    private static final Logger LOG = LoggerFactory.getLogger(TableReader.class);

    private TableReader() {}

    /**
     * What the reader must produce: {@code classNames} null to discover the classes (training), else
     * the classes every label must be one of; {@code labels} whether a label column is read.
     */
    public record Target(List<Integer> resize, int limit, List<String> classNames, RowDecoder.Labels labels,
                         InputShape expected) implements java.io.Serializable {
        /** No expected shape: the training set, whose shape is the models'. */
        public Target(List<Integer> resize, int limit, List<String> classNames, RowDecoder.Labels labels) {
            this(resize, limit, classNames, labels, null);
        }
    }

    /** The table as Spark SQL reads it ({@code spark.read.format(f).options(o).load(path)}). */
    public static Dataset<Row> load(SparkSession spark, SourceSpec s) {
        try {
            return spark.read().format(s.format()).options(s.options()).load(s.path());
        } catch (RuntimeException e) {
            throw new DataFormatException(s.describe(), "cannot be read: " + firstLine(e));
        }
    }

    public static ExampleSet read(SparkSession spark, SourceSpec s, Target t) {
        return read(load(spark, s), s, t);
    }

    /** Decodes {@code table} (already loaded) as source {@code s} describes. */
    public static ExampleSet read(Dataset<Row> table, SourceSpec s, Target t) {
        RowDecoder decoder = RowDecoder.of(table.schema(), s, t.resize(), t.labels());
        Dataset<Row> selected = table.select(decoder.columns().stream().map(functions::col).toArray(Column[]::new));
        List<RowDecoder.Example> rows;
        try {
            rows = decode(selected.javaRDD(), decoder, t.limit(), table.sparkSession().sparkContext().defaultParallelism());
        } catch (RuntimeException e) {
            throw new DataFormatException(s.describe(), "cannot be read: " + firstLine(e));
        }
        if (rows.isEmpty()) throw new DataFormatException(s.describe(), "is empty (no rows)");
        return ExampleAssembly.assemble(rows, decoder, t);
    }

    /** Rows {@code first ..} of a table, decoded: one evaluation task's share. */
    public record Numbered(long first, ExampleSet set) implements java.io.Serializable {}

    /** A table left on the executors: its rows as decoded chunks in table order, and how many there are. */
    public record Partitioned(JavaRDD<Numbered> chunks, long rows, int partitions, String source) {}

    /**
     * The table's rows decoded by the executors, in chunks of at most {@code rowsPerChunk} rows,
     * never gathered on the driver (the first {@code t.limit()} when above 0). The classes and the
     * expected shape must be known ({@code t}): the first row is checked on the driver, so data of
     * another shape stops here in one line; a later bad row fails its task naming the row.
     */
    public static Partitioned partitioned(SparkSession spark, SourceSpec s, Target t, int rowsPerChunk) {
        Dataset<Row> table = load(spark, s);
        RowDecoder decoder = RowDecoder.of(table.schema(), s, t.resize(), t.labels());
        JavaRDD<Row> raw = table.select(decoder.columns().stream().map(functions::col).toArray(Column[]::new))
                .javaRDD();
        List<Row> head = raw.take(1);
        if (head.isEmpty()) throw new DataFormatException(s.describe(), "is empty (no rows)");
        ExampleAssembly.assemble(List.of(decoder.decode(head.get(0))), decoder, t, 0);
        long[][] plan = plan(raw, t.limit());
        long[] take = plan[0];
        long[] offset = plan[1];
        long rows = java.util.Arrays.stream(take).sum();
        JavaRDD<Numbered> chunks = raw.mapPartitionsWithIndex((i, it) -> {
            List<Numbered> out = new ArrayList<>();
            List<RowDecoder.Example> buf = new ArrayList<>();
            long done = 0;
            while (it.hasNext() && done + buf.size() < take[i]) {
                buf.add(decoder.decode(it.next()));
                if (buf.size() == rowsPerChunk || done + buf.size() == take[i]) {
                    out.add(new Numbered(offset[i] + done, ExampleAssembly.assemble(buf, decoder, t, offset[i] + done)));
                    done += buf.size();
                    buf = new ArrayList<>();
                }
            }
            if (!buf.isEmpty()) out.add(new Numbered(offset[i] + done, ExampleAssembly.assemble(buf, decoder, t, offset[i] + done)));
            return out.iterator();
        }, true);
        return new Partitioned(chunks, rows, raw.getNumPartitions(), decoder.source());
    }

    /**
     * What to throw for a failed Spark job over a table: the {@link DataFormatException} of the task
     * that found a bad row (its one-line message, as if the driver had read the row), else the failure.
     */
    public static RuntimeException dataError(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof DataFormatException d) return d;
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    /**
     * Rows of the table after every row has been decoded and checked by the executors: only the
     * count comes back to the driver (the training job's check of its test table).
     */
    public static long checkedRows(SparkSession spark, SourceSpec s, Target t, int rowsPerChunk) {
        Partitioned p = partitioned(spark, s, t, rowsPerChunk);
        try {
            return p.chunks().map(n -> (long) n.set().size()).fold(0L, Long::sum);
        } catch (Exception e) { // a checked SparkException, thrown undeclared from Scala
            throw dataError(e);
        }
    }

    /** Per partition, how many rows to take (the first {@code limit}, or all) and the table row of its first: one counting pass. */
    private static long[][] plan(JavaRDD<Row> raw, int limit) {
        List<Long> counts = raw.mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) n++;
            return List.of(n).iterator();
        }).collect();
        long[] take = new long[counts.size()];
        long[] offset = new long[counts.size()];
        long left = limit > 0 ? limit : Long.MAX_VALUE;
        long total = 0;
        for (int i = 0; i < take.length; i++) {
            take[i] = Math.min(left, counts.get(i));
            left -= take[i];
            offset[i] = total;
            total += take[i];
        }
        return new long[][] {take, offset};
    }

    /**
     * Every row decoded on the executors, returned in table order; the first {@code limit} when
     * {@code limit > 0}. One counting pass first (no decoding): when fewer partitions than task
     * slots hold rows (a small file is one partition), the rows are numbered and spread over the
     * slots, so decoding runs in parallel and the order survives. DataFrame.limit() is not used:
     * it would decode in a single task.
     */
    private static List<RowDecoder.Example> decode(JavaRDD<Row> raw, RowDecoder decoder, int limit, int slots) {
        long t0 = System.nanoTime();
        if (limit <= 0 && raw.getNumPartitions() >= slots) {
            // every row, and enough partitions to keep the slots busy: decode in place, no counting pass
            List<RowDecoder.Example> rows = raw.mapPartitions(it -> {
                List<RowDecoder.Example> out = new ArrayList<>();
                while (it.hasNext()) out.add(decoder.decode(it.next()));
                return out.iterator();
            }, true).collect();
            LOG.info("{}: {} rows decoded on the executors in {} s ({} partitions)", decoder.source(), rows.size(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9), raw.getNumPartitions());
            return rows;
        }
        long[][] plan = plan(raw, limit);
        long[] take = plan[0];
        long[] offset = plan[1];
        long total = java.util.Arrays.stream(take).sum();
        int busy = (int) java.util.Arrays.stream(take).filter(n -> n > 0).count();
        List<RowDecoder.Example> rows;
        if (busy < slots && total > slots) {
            List<scala.Tuple2<Long, RowDecoder.Example>> out = new ArrayList<>(raw.mapPartitionsWithIndex((i, it) -> {
                List<scala.Tuple2<Long, Row>> numbered = new ArrayList<>();
                for (long j = 0; j < take[i] && it.hasNext(); j++) numbered.add(new scala.Tuple2<>(offset[i] + j, it.next()));
                return numbered.iterator();
            }, true).repartition(slots).map(p -> new scala.Tuple2<>(p._1(), decoder.decode(p._2()))).collect());
            out.sort(java.util.Comparator.comparingLong(scala.Tuple2::_1));
            rows = out.stream().map(scala.Tuple2::_2).toList();
        } else {
            rows = raw.mapPartitionsWithIndex((i, it) -> {
                List<RowDecoder.Example> out = new ArrayList<>();
                while (it.hasNext() && out.size() < take[i]) out.add(decoder.decode(it.next()));
                return out.iterator();
            }, true).collect();
        }
        LOG.info("{}: {} rows decoded on the executors in {} s ({} partitions)", decoder.source(), rows.size(),
                String.format("%.1f", (System.nanoTime() - t0) / 1e9), busy < slots && total > slots ? slots + " after "
                        + "spreading " + busy : busy);
        return rows;
    }

    static String firstLine(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getMessage() == null) c = c.getCause();
        return String.valueOf(c.getMessage()).lines().findFirst().orElse(c.getClass().getSimpleName());
    }
}
