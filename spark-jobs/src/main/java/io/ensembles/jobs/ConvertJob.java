package io.ensembles.jobs;

import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.ImageDecoder;
import io.ensembles.fs.Fs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an image set read by the project's own readers (IDX files, the digits CSV) as a Parquet
 * table in the Hugging Face datasets layout: {@code image} struct {bytes: PNG, path}, {@code label}
 * int64, one file, rows in the source's order. Executors encode the PNGs; the table appears at
 * {@code output} only when complete.
 */
public final class ConvertJob {
    private static final Logger LOG = LoggerFactory.getLogger(ConvertJob.class);
    static final int ROWS_PER_TASK = 5000;
    static final int ROW_GROUP_BYTES = 1 << 20;

    private ConvertJob() {}

    /** Rows {@code first ..} of the set: one task's share. */
    record Chunk(long first, ExampleSet set) implements java.io.Serializable {}

    public static final StructType SCHEMA = new StructType()
            .add("image", new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType), false)
            .add("label", DataTypes.LongType, false);

    /** Converts {@code images} (with {@code labels} for idx) and returns the rows written. */
    public static long run(SparkSession spark, String format, String images, String labels, int limit, String output)
            throws IOException {
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        String out = Fs.qualify(output);
        if (Fs.exists(out)) throw new IllegalArgumentException("--output " + out + " already exists; choose another or remove it");
        SourceSpec s = new SourceSpec("convert", format, images, labels == null ? Map.of() : Map.of("labels", labels),
                "", "", "", List.of());
        if (!s.projectReader()) {
            throw new IllegalArgumentException("--format " + format + " (expected idx or digits-csv)");
        }
        ExampleSet set = DataLoader.read(s, 256, limit);
        LOG.info("converting {} images of {} from {} into {}", set.size(), set.shape(), images, out);
        List<Chunk> chunks = new ArrayList<>();
        for (int from = 0; from < set.size(); from += ROWS_PER_TASK) {
            chunks.add(new Chunk(from, set.slice(from, Math.min(set.size(), from + ROWS_PER_TASK))));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = jsc.parallelize(chunks, chunks.size()).flatMap(ch -> {
            ExampleSet c = ch.set();
            int f = c.features();
            var sh = c.shape();
            List<Row> r = new ArrayList<>(c.size());
            for (int j = 0; j < c.size(); j++) {
                byte[] px = new byte[f];
                for (int p = 0; p < f; p++) px[p] = (byte) c.pixel(j, p);
                byte[] png = ImageDecoder.png(new ImageDecoder.Decoded(sh.channels(), sh.height(), sh.width(), px, false));
                r.add(RowFactory.create(RowFactory.create(png, String.format("%06d.png", ch.first() + j)),
                        (long) c.label(j)));
            }
            return r.iterator();
        });
        Fs.writeFolderAtomically(out, tmp -> {
            // PNGs are encoded in parallel, then written as one file in the source's order (Spark reads the files of
            // a folder largest first, so a table of several files would not come back in this order)
            rows.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
            rows.count();
            // row groups of 1 MB: Spark splits the one file into as many partitions as it has task slots, in order
            spark.createDataFrame(rows.coalesce(1), SCHEMA).write().option("parquet.block.size", ROW_GROUP_BYTES)
                    .parquet(tmp);
            rows.unpersist(false);
        });
        LOG.info("wrote {} rows to {}", set.size(), out);
        return set.size();
    }
}
