package io.ensembles.sources;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.EnsembleConfig.DataSection;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.TrainingData;
import io.ensembles.store.Manifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The data sets of a job, wherever the configuration says they are: the IDX and digits files of
 * the {@code data.*-images} keys, or the source blocks {@code data.train}, {@code data.test},
 * {@code data.ood} (Spark SQL tables, or the project's own idx / digits-csv readers). Every set
 * after the training set is checked against the input the models were trained on.
 */
public final class Inputs {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Inputs.class);

    private Inputs() {}

    /**
     * What a training job reads before it starts: the split training set in memory ({@code data}),
     * or the table left to be streamed ({@code stream}); its manifest input; the test set's size.
     */
    public record Training(TrainingData data, StreamedTable stream, Manifest.Input input, int testExamples) {
        public Training(TrainingData data, Manifest.Input input, int testExamples) {
            this(data, null, input, testExamples);
        }

        public long trainExamples() {
            return stream != null ? stream.trainRows() : data.train().size();
        }

        public long validationExamples() {
            return stream != null ? stream.validationRows() : data.validation().size();
        }
    }

    /**
     * As {@link #forTraining}, for the member tasks of a deep ensemble: a training table too large
     * to broadcast is left where it is, to be streamed ({@link StreamPlanner}).
     */
    public static Training forMembers(SparkSession spark, EnsembleConfig config, long[] baggingSeeds,
                                      Map<String, String> hadoop, String staging, String runId) {
        StreamedTable stream = StreamPlanner.plan(spark, config, baggingSeeds, hadoop, staging, runId);
        if (stream == null) return forTraining(spark, config);
        Manifest.Input input = describe(config, config.data().train(), stream.shape(), stream.classNames(),
                stream.normalisation());
        return new Training(null, stream, input, testSize(spark, config, input));
    }

    /**
     * The training set and its description, and the test set read and checked too: a bad test set
     * should stop the job before hours of training, and before anything is written.
     */
    public static Training forTraining(SparkSession spark, EnsembleConfig config) {
        TrainingData data = training(spark, config);
        Manifest.Input input = describe(config, data);
        LOG.info("training data: {} examples for training, {} for validation ({}, {} classes) from {}",
                data.train().size(), data.validation().size(), data.train().shape(), data.train().classes(),
                input.path());
        return new Training(data, input, testSize(spark, config, input));
    }

    /**
     * The test set's size, every row read and checked: a table by the executors (only the count
     * comes back), files on the driver.
     */
    static int testSize(SparkSession spark, EnsembleConfig config, Manifest.Input input) {
        DataSection d = config.data();
        if (d.test().configured() && !d.test().projectReader()) {
            return Math.toIntExact(TableReader.checkedRows(spark, d.test(), new TableReader.Target(d.resize(),
                    d.testLimit(), input.classNames(), RowDecoder.Labels.REQUIRED, input.shape()),
                    config.evaluation().rowsPerTask()));
        }
        return test(spark, config, input).size();
    }

    /** The training set, split into training and validation, with its normalisation. */
    public static TrainingData training(SparkSession spark, EnsembleConfig config) {
        DataSection d = config.data();
        if (!d.train().configured()) return DataLoader.training(d);
        return DataLoader.split(read(spark, d.train(), d, d.limit(), null, RowDecoder.Labels.REQUIRED, null), d,
                !d.train().projectReader());
    }

    /** The labelled test set, checked against the models' input (shape and classes). */
    public static ExampleSet test(SparkSession spark, EnsembleConfig config, Manifest.Input input) {
        DataSection d = config.data();
        ExampleSet test = d.test().configured()
                ? read(spark, d.test(), d, d.testLimit(), input.classNames(), RowDecoder.Labels.REQUIRED, input.shape())
                : DataLoader.test(d);
        checkClasses(test, input);
        return DataLoader.checkShape(test, input.shape());
    }

    /** The out-of-distribution set (its labels are not used), or null when none is configured. */
    public static ExampleSet ood(SparkSession spark, EnsembleConfig config, Manifest.Input input) {
        DataSection d = config.data();
        // its labels are not read: every row is out of distribution, the classes are the ensemble's
        ExampleSet ood = d.ood().configured()
                ? read(spark, d.ood(), d, 0, input.classNames(), RowDecoder.Labels.IGNORED, input.shape())
                : DataLoader.ood(d);
        return ood == null ? null : DataLoader.checkShape(ood, input.shape()).unlabelled(input.classNames());
    }

    private static ExampleSet read(SparkSession spark, SourceSpec s, DataSection d, int limit, List<String> classes,
                                   RowDecoder.Labels labels, InputShape expected) {
        if (s.projectReader()) return DataLoader.read(s, classes != null ? classes.size() : d.classes(), limit);
        return TableReader.read(spark, s, new TableReader.Target(d.resize(), limit, classes, labels, expected));
    }

    /** A test set read by the IDX reader has numbered classes: as many as the ensemble's. */
    private static void checkClasses(ExampleSet test, Manifest.Input input) {
        if (test.classes() != input.classNames().size()) {
            throw new DataFormatException(test.source(), "has " + test.classes() + " classes but the ensemble was trained "
                    + "on " + input.classNames().size());
        }
    }

    /** The manifest's input section for a training set read as {@code config} says. */
    public static Manifest.Input describe(EnsembleConfig config, TrainingData data) {
        return describe(config, config.data().train(), data);
    }

    /** As above, for a training set read from {@code s} (a source block, or a DataFrame's columns). */
    public static Manifest.Input describe(EnsembleConfig config, SourceSpec s, TrainingData data) {
        return describe(config, s, data.train().shape(), data.train().classNames(), data.normalisation());
    }

    /** As above, for a training set of {@code shape} in these classes, normalised so. */
    static Manifest.Input describe(EnsembleConfig config, SourceSpec s, InputShape shape, List<String> classNames,
                                   io.ensembles.data.Normalisation normalisation) {
        DataSection d = config.data();
        Map<String, Object> columns = new LinkedHashMap<>();
        String format;
        String path;
        if (s.configured()) {
            format = s.format();
            path = s.path();
            if (!s.projectReader()) {
                columns.put("label", s.labelColumn());
                if (!s.imageColumnOrDefault().isEmpty()) columns.put("image", s.imageColumnOrDefault());
                if (!s.featuresColumn().isEmpty()) columns.put("features", s.featuresColumn());
                if (!s.featureColumns().isEmpty()) columns.put("featureColumns", s.featureColumns());
                if (!s.idColumn().isEmpty()) columns.put("id", s.idColumn());
            }
            if (!d.resize().isEmpty()) columns.put("resize", d.resize());
        } else {
            format = SourceSpec.IDX;
            path = d.trainImages();
        }
        return new Manifest.Input(format, path, columns, shape, classNames, normalisation);
    }
}
