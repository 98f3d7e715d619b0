package io.ensembles.jobs;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import io.ensembles.fs.Fs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every example's predictions as a Parquet table, written by the executors that made them, one
 * row per example of the test set (and of the OOD set when there is one). Schema ({@link #SCHEMA}):
 * <pre>
 *   set                 string            "test" or "ood"
 *   id                  long              the example's index in its set
 *   label               int               its class (null for the OOD set, whose labels are not ours)
 *   members             map&lt;string, array&lt;float&gt;&gt;  each member's (or MC pass's) probabilities, by member id
 *   probabilities       array&lt;float&gt;      the ensemble's: the mean of the members'
 *   predicted           int               argmax of probabilities
 *   confidence          float             max of probabilities
 *   entropy             double            of probabilities, in nats
 *   mutual_information  double            entropy of the mean minus the mean entropy of the members
 * </pre>
 * (Nested types are declared nullable, as Parquet reads them back.) It is written to a temporary folder and renamed into place, so a reader never sees half of it.
 */
public final class PredictionTable {
    private static final Logger LOG = LoggerFactory.getLogger(PredictionTable.class);

    public static final StructType SCHEMA = new StructType()
            .add("set", DataTypes.StringType, false)
            .add("id", DataTypes.LongType, false)
            .add("label", DataTypes.IntegerType, true)
            .add("members", DataTypes.createMapType(DataTypes.StringType,
                    DataTypes.createArrayType(DataTypes.FloatType)), false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType), false)
            .add("predicted", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false)
            .add("entropy", DataTypes.DoubleType, false)
            .add("mutual_information", DataTypes.DoubleType, false);

    private PredictionTable() {}

    static void write(SparkSession spark, JavaRDD<PredictionStage.Block> blocks, List<String> ids, int classes, String uri)
            throws IOException {
        JavaRDD<Row> rows = blocks.flatMap(b -> {
            List<float[]> members = Arrays.asList(b.probs());
            float[] avg = ClassificationMetrics.average(members);
            double[] entropy = OodDetection.entropy(avg, classes);
            double[] mi = OodDetection.mutualInformation(members, classes);
            boolean test = b.set().equals(PredictionStage.TEST);
            List<Row> out = new ArrayList<>(b.labels().length);
            for (int i = 0; i < b.labels().length; i++) {
                Map<String, float[]> each = new LinkedHashMap<>();
                for (int m = 0; m < ids.size(); m++) {
                    each.put(ids.get(m), Arrays.copyOfRange(b.probs()[m], i * classes, (i + 1) * classes));
                }
                float[] p = Arrays.copyOfRange(avg, i * classes, (i + 1) * classes);
                int pred = ClassificationMetrics.argmax(p, 0, classes);
                out.add(RowFactory.create(b.set(), b.first() + i, test ? b.labels()[i] : null,
                        scala.collection.JavaConverters.mapAsScalaMap(each), p, pred, p[pred],
                        entropy[i], mi[i]));
            }
            return out.iterator();
        });
        Path target = Fs.path(uri);
        FileSystem fs = Fs.fs(target);
        Path tmp = new Path(target.getParent(), "._tmp-" + target.getName() + "-" + spark.sparkContext().applicationId());
        fs.delete(tmp, true);
        try {
            spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
            if (fs.exists(target) && !fs.delete(target, true)) throw new IOException("could not replace " + target);
            if (!fs.rename(tmp, target)) throw new IOException("could not rename " + tmp + " to " + target);
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, true);
            throw e;
        }
        LOG.info("wrote the predictions to {}", target);
    }
}
