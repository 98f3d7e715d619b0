package io.ensembles.ml;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataLoader;
import io.ensembles.data.TrainingData;
import io.ensembles.jobs.TrainJob;
import io.ensembles.sources.Inputs;
import io.ensembles.sources.RowDecoder;
import io.ensembles.sources.TableReader;
import io.ensembles.store.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Trains an ensemble from a DataFrame as the {@code train} command does (K members, one Spark task
 * each, as the configuration says) and returns it as an {@link EnsembleModel}. The rows are read
 * with the same decoder as a configured table: an image column, a features column (array or ML
 * Vector) or numeric feature columns, and an integer or string label column.
 * <pre>{@code
 * EnsembleConfig config = EnsembleConfig.load(new File("my.conf"), Map.of());
 * EnsembleModel model = new EnsembleEstimator(config, "hdfs:///models/mine").setInputCol("features").fit(train);
 * }</pre>
 */
public final class EnsembleEstimator extends Estimator<EnsembleModel> {
    private final String uid = "ensembleEstimator_" + UUID.randomUUID().toString().substring(0, 12);
    private final EnsembleConfig config;
    private final String out;
    // Spark ML parameters (made after the uid they belong to)
    private final Param<String> labelCol = new Param<>(this, "labelCol", "the label column: integers or strings");
    private final Param<String> imageCol = new Param<>(this, "imageCol",
            "an image column: encoded bytes, a {bytes, path} struct or Spark's image struct");
    private final Param<String> inputCol = new Param<>(this, "inputCol",
            "a features column: an array of numbers or a Spark ML Vector");
    private final StringArrayParam featureCols = new StringArrayParam(this, "featureCols",
            "numeric columns that together are the feature vector");

    /** {@code out}: the ensemble folder to write (any Hadoop URI). */
    public EnsembleEstimator(EnsembleConfig config, String out) {
        this.config = config;
        this.out = out;
        setDefault(labelCol, "label");
        setDefault(imageCol, "");
        setDefault(inputCol, "");
        setDefault(featureCols, new String[0]);
    }

    public Param<String> labelCol() { return labelCol; }

    public Param<String> imageCol() { return imageCol; }

    public Param<String> inputCol() { return inputCol; }

    public StringArrayParam featureCols() { return featureCols; }

    public EnsembleEstimator setLabelCol(String c) {
        set(labelCol, c);
        return this;
    }

    /** An image column (encoded bytes, a {bytes, path} struct or Spark's image struct). */
    public EnsembleEstimator setImageCol(String c) {
        set(imageCol, c);
        set(inputCol, "");
        set(featureCols, new String[0]);
        return this;
    }

    /** A features column: array of numbers or a Spark ML Vector. */
    public EnsembleEstimator setInputCol(String c) {
        set(inputCol, c);
        set(imageCol, "");
        set(featureCols, new String[0]);
        return this;
    }

    /** Numeric columns that together are the feature vector. */
    public EnsembleEstimator setFeatureCols(List<String> c) {
        set(featureCols, c.toArray(String[]::new));
        set(imageCol, "");
        set(inputCol, "");
        return this;
    }

    private SourceSpec spec() {
        return new SourceSpec("train", "dataframe", "(DataFrame)", Map.of(), $(labelCol), $(imageCol), $(inputCol),
                List.of($(featureCols)));
    }

    @Override
    public EnsembleModel fit(Dataset<?> dataset) {
        long start = System.nanoTime();
        SourceSpec s = spec();
        var set = TableReader.read(dataset.toDF(), s, new TableReader.Target(config.data().resize(),
                config.data().limit(), null, RowDecoder.Labels.REQUIRED));
        TrainingData data = DataLoader.split(set, config.data(), true);
        Manifest.Input input = Inputs.describe(config, s, data);
        try {
            TrainJob.train(dataset.sparkSession(), config, out, null, data, input, 0, start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EnsembleModel.load(out).setParent(this);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        RowDecoder.of(schema, spec(), config.data().resize(), RowDecoder.Labels.REQUIRED); // checks the columns
        return schema;
    }

    @Override
    public EnsembleEstimator copy(ParamMap extra) {
        return copyValues(new EnsembleEstimator(config, out), extra);
    }

    @Override
    public String uid() {
        return uid;
    }
}
