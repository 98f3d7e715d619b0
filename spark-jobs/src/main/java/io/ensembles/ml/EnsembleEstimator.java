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
import org.apache.spark.ml.param.ParamMap;
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
    private String labelCol = "label";
    private String imageCol = "";
    private String featuresCol = "";
    private List<String> featureCols = List.of();

    /** {@code out}: the ensemble folder to write (any Hadoop URI). */
    public EnsembleEstimator(EnsembleConfig config, String out) {
        this.config = config;
        this.out = out;
    }

    public EnsembleEstimator setLabelCol(String c) { labelCol = c; return this; }

    /** An image column (encoded bytes, a {bytes, path} struct or Spark's image struct). */
    public EnsembleEstimator setImageCol(String c) { imageCol = c; featuresCol = ""; featureCols = List.of(); return this; }

    /** A features column: array of numbers or a Spark ML Vector. */
    public EnsembleEstimator setInputCol(String c) { featuresCol = c; imageCol = ""; featureCols = List.of(); return this; }

    /** Numeric columns that together are the feature vector. */
    public EnsembleEstimator setFeatureCols(List<String> c) {
        featureCols = List.copyOf(c);
        imageCol = "";
        featuresCol = "";
        return this;
    }

    private SourceSpec spec() {
        return new SourceSpec("train", "dataframe", "(DataFrame)", Map.of(), labelCol, imageCol, featuresCol, featureCols);
    }

    @Override
    public EnsembleModel fit(Dataset<?> dataset) {
        long start = System.nanoTime();
        SourceSpec s = spec();
        var set = TableReader.read(dataset.toDF(), s, new TableReader.Target(config.data().resize(),
                config.data().limit(), null, RowDecoder.Labels.REQUIRED));
        TrainingData data = DataLoader.split(set, config.data());
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
        EnsembleEstimator c = new EnsembleEstimator(config, out);
        c.labelCol = labelCol;
        c.imageCol = imageCol;
        c.featuresCol = featuresCol;
        c.featureCols = featureCols;
        return c;
    }

    @Override
    public String uid() {
        return uid;
    }
}
