package io.ensembles.ml;

import io.ensembles.config.SourceSpec;
import io.ensembles.ml.EnsembleModel;
import io.ensembles.sources.TableReader;
import io.ensembles.fs.Fs;
import io.ensembles.versions.EnsembleVersions;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a table with a stored ensemble ({@link EnsembleModel}) and writes the result as Parquet:
 * the kept input columns and, per row, the probabilities and the uncertainty. The table is read
 * and scored by the executors, partition by partition; the output is written to a temporary
 * folder beside {@code output} and renamed into place only when complete, so a failed run leaves
 * nothing at {@code output}.
 */
public final class PredictJob {
    private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);

    private PredictJob() {}

    /**
     * {@code inputColumn}: the image or features column (null = the training input's);
     * {@code keepColumns}: null = every input column but the input ones.
     */
    public record Options(String input, String format, Map<String, String> readerOptions, String output,
                          String inputColumn, List<String> keepColumns, boolean memberProbabilities,
                          boolean calibrated) {}

    /** What a run did: rows read and written. */
    public record Result(String output, long rowsIn, long rowsOut, double seconds) {}

    public static Result run(SparkSession spark, String ensembleUri, Options o) throws IOException {
        long start = System.nanoTime();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        String uri = EnsembleVersions.resolve(Fs.qualify(ensembleUri));
        String output = Fs.qualify(o.output());
        if (Fs.exists(output)) {
            throw new IllegalArgumentException("--output " + output + " already exists; choose another or remove it");
        }
        if (SourceSpec.IDX.equals(o.format()) || SourceSpec.DIGITS_CSV.equals(o.format())) {
            throw new IllegalArgumentException("--format " + o.format() + " is not a table; turn it into Parquet first with "
                    + "'ensemble convert --format " + o.format() + " ...'");
        }
        EnsembleModel model = EnsembleModel.load(uri);
        SourceSpec source = new SourceSpec("predict", o.format(), o.input(), o.readerOptions(), "", "", "", List.of());
        Dataset<Row> table = TableReader.load(spark, source);
        String column = o.inputColumn() != null ? o.inputColumn() : source.imageColumnOrDefault();
        if (!column.isEmpty()) model.setInputCol(column);
        model.setInputSource(o.format(), o.input()).setKeepColumns(o.keepColumns()).setMemberProbabilities(o.memberProbabilities()).setCalibrated(o.calibrated());
        Dataset<Row> scored = model.transform(table);
        long rowsIn = table.count();
        LOG.info("scoring {} rows of {} ({}) with '{}' ({} classes, {}), into {}", rowsIn, o.input(), o.format(),
                model.manifest().name(), model.classNames().size(), model.inputShape(), output);
        if (model.manifest().scoring() == null) {
            LOG.warn("{} has no fitted OOD threshold yet: is_ood is null; run 'ensemble evaluate' on it to fit one", uri);
        }
        long[] rowsOut = {0};
        Fs.writeFolderAtomically(output, tmp -> {
            scored.write().parquet(tmp);
            rowsOut[0] = spark.read().parquet(tmp).count(); // from the Parquet footers: cheap
            if (rowsOut[0] != rowsIn) {
                throw new IllegalStateException("scored " + rowsOut[0] + " rows of " + rowsIn + "; nothing is written");
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("wrote {} rows to {} in {} s", rowsOut[0], output, String.format("%.1f", seconds));
        return new Result(output, rowsIn, rowsOut[0], seconds);
    }
}
