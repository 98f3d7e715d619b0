package io.ensembles.ml;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.DataFormatException;
import io.ensembles.data.InputShape;
import io.ensembles.jobs.EnsemblePredictor;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.sources.RowDecoder;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A stored ensemble as a Spark ML {@link Model} (a {@code Transformer}): {@code transform(df)} keeps the input's
 * columns (all but the image or feature columns, unless {@link #setKeepColumns} says otherwise) and
 * adds, per row, the ensemble's {@code probability} (array of doubles, the members' mean),
 * {@code prediction} (the class index as a double, as Spark ML's classifiers give it, so
 * {@code MulticlassClassificationEvaluator} reads it), {@code predicted_label} (the class name),
 * {@code confidence}, {@code entropy}, {@code mutual_information}, {@code disagreement},
 * {@code ood_score} and {@code is_ood} (null until an evaluation has fitted the threshold).
 *
 * <p>Executors decode their own partitions and load every member once ({@code MemberCache});
 * nothing is collected on the driver, and there is one output row per input row.
 * <pre>{@code
 * EnsembleModel model = EnsembleModel.load("hdfs:///models/fashion");
 * Dataset<Row> scored = model.setInputCol("image").transform(spark.read().parquet("hdfs:///new"));
 * }</pre>
 */
public final class EnsembleModel extends Model<EnsembleModel> {
    /** The output columns, in order; {@link #setOutputCols} renames them. */
    public static final List<String> OUTPUTS = List.of("probability", "prediction", "predicted_label", "confidence",
            "entropy", "mutual_information", "disagreement", "ood_score", "is_ood");
    public static final String MEMBER_PROBABILITIES = "member_probabilities";
    private static final List<org.apache.spark.sql.types.DataType> OUTPUT_TYPES = List.of(
            DataTypes.createArrayType(DataTypes.DoubleType, false), DataTypes.DoubleType, DataTypes.StringType,
            DataTypes.DoubleType, DataTypes.DoubleType, DataTypes.DoubleType, DataTypes.DoubleType, DataTypes.DoubleType,
            DataTypes.BooleanType);

    private final String uid;
    private final String root;
    private final Manifest manifest;
    private final EnsembleConfig config;
    private String sourceFormat = "dataframe";
    private String sourcePath = "(input)";

    // Spark ML parameters: settable through the setters below or a ParamMap, listed by explainParams().
    // Made in the constructor, after the uid they belong to.
    private final Param<String> inputCol;
    private final StringArrayParam featureCols;
    private final StringArrayParam outputCols;
    private final StringArrayParam keepColumns;
    private final BooleanParam memberProbabilities;
    private final BooleanParam calibrated;

    private EnsembleModel(String uid, String root, Manifest manifest, EnsembleConfig config) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "the image column (encoded bytes, a {bytes, path} struct or "
                + "Spark's image struct) or the features column");
        this.featureCols = new StringArrayParam(this, "featureCols",
                "numeric columns that together are the feature vector (instead of inputCol)");
        this.outputCols = new StringArrayParam(this, "outputCols",
                "names of the output columns, in the order " + String.join(", ", OUTPUTS));
        this.keepColumns = new StringArrayParam(this, "keepColumns",
                "input columns copied to the output (empty: all but the input column or columns)");
        this.memberProbabilities = new BooleanParam(this, "memberProbabilities",
                "also output " + MEMBER_PROBABILITIES + ": member id -> its probabilities");
        this.calibrated = new BooleanParam(this, "calibrated",
                "apply the temperature fitted by the last evaluation to the mean probabilities");
        this.root = root;
        this.manifest = manifest;
        this.config = config;
        Map<String, Object> c = manifest.input().columns() == null ? Map.of() : manifest.input().columns();
        @SuppressWarnings("unchecked")
        List<String> fc = (List<String>) c.get("featureColumns");
        // the defaults: the columns the ensemble was trained from
        setDefault(inputCol, (String) c.getOrDefault("image", c.getOrDefault("features",
                manifest.shape().isImage() ? "image" : "features")));
        setDefault(featureCols, fc == null ? new String[0] : fc.toArray(String[]::new));
        setDefault(outputCols, OUTPUTS.toArray(String[]::new));
        setDefault(keepColumns, new String[0]);
        setDefault(memberProbabilities, false);
        setDefault(calibrated, false);
    }

    public Param<String> inputCol() { return inputCol; }
    public StringArrayParam featureCols() { return featureCols; }
    public StringArrayParam outputCols() { return outputCols; }
    public StringArrayParam keepColumns() { return keepColumns; }
    public BooleanParam memberProbabilities() { return memberProbabilities; }
    public BooleanParam calibrated() { return calibrated; }

    /** Loads the ensemble at {@code uri} (any Hadoop URI), reading its manifest; the members load on the executors. */
    public static EnsembleModel load(String uri) {
        SparkSession spark = SparkSession.active();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(uri));
        Manifest m = Manifest.read(layout);
        EnsembleConfig config = m.configuration(Map.of());
        return new EnsembleModel("ensembleModel_" + UUID.randomUUID().toString().substring(0, 12), layout.root(), m,
                config);
    }

    /** The column holding each row's image (encoded bytes, a {bytes, path} struct or Spark's image struct) or feature vector. */
    public EnsembleModel setInputCol(String column) {
        set(inputCol, column);
        set(featureCols, new String[0]);
        return this;
    }

    /** Numeric columns that together are the feature vector (instead of one input column). */
    public EnsembleModel setFeatureCols(List<String> columns) {
        set(featureCols, columns.toArray(String[]::new));
        return this;
    }

    /** Other names for the output columns, in the order of {@link #OUTPUTS}. */
    public EnsembleModel setOutputCols(String... names) {
        if (names.length != OUTPUTS.size()) {
            throw new IllegalArgumentException(names.length + " output column names, expected " + OUTPUTS.size()
                    + " (" + String.join(", ", OUTPUTS) + ")");
        }
        set(outputCols, names.clone());
        return this;
    }

    /** The input columns copied to the output; null = all but the input column(s). */
    public EnsembleModel setKeepColumns(List<String> columns) {
        set(keepColumns, columns == null ? new String[0] : columns.toArray(String[]::new));
        return this;
    }

    /** Adds {@value #MEMBER_PROBABILITIES}: member id to that member's probabilities. */
    public EnsembleModel setMemberProbabilities(boolean on) {
        set(memberProbabilities, on);
        return this;
    }

    /** Applies the temperature fitted by the last evaluation to the mean probabilities. */
    public EnsembleModel setCalibrated(boolean on) {
        set(calibrated, on);
        checkCalibration();
        return this;
    }

    private void checkCalibration() {
        if (getCalibrated() && manifest.scoring() == null) {
            throw new IllegalStateException(root + ": no temperature has been fitted yet; run 'ensemble evaluate' on "
                    + "this ensemble first");
        }
    }

    private String getInputCol() { return $(inputCol); }

    private List<String> getFeatureCols() { return List.of($(featureCols)); }

    private List<String> getOutputCols() {
        String[] names = $(outputCols);
        if (names.length != OUTPUTS.size()) {
            throw new IllegalArgumentException("outputCols has " + names.length + " names, expected " + OUTPUTS.size());
        }
        return List.of(names);
    }

    /** null = the default (every column but the input ones). */
    private List<String> getKeepColumns() {
        String[] k = $(keepColumns);
        return k.length == 0 ? null : List.of(k);
    }

    private boolean getMemberProbabilities() { return (Boolean) $(memberProbabilities); }

    private boolean getCalibrated() { return (Boolean) $(calibrated); }

    /** How error messages name the scored table (its format and path); by default "dataframe at (input)". */
    public EnsembleModel setInputSource(String format, String path) {
        this.sourceFormat = format;
        this.sourcePath = path;
        return this;
    }

    public Manifest manifest() { return manifest; }

    public InputShape inputShape() { return manifest.shape(); }

    public List<String> classNames() { return manifest.input().classNames(); }

    private SourceSpec spec() {
        List<String> fc = getFeatureCols();
        boolean features = !fc.isEmpty() || !manifest.shape().isImage();
        return new SourceSpec("predict", sourceFormat, sourcePath, Map.of(), "", features ? "" : getInputCol(),
                features && fc.isEmpty() ? getInputCol() : "", fc);
    }

    private List<String> kept(StructType schema, RowDecoder decoder) {
        List<String> keepColumns = getKeepColumns();
        if (keepColumns != null) {
            for (String c : keepColumns) {
                if (!Arrays.asList(schema.fieldNames()).contains(c)) {
                    throw new DataFormatException("the input", "has no column '" + c + "' to keep (columns: "
                            + String.join(", ", schema.fieldNames()) + ")");
                }
            }
            return keepColumns;
        }
        List<String> k = new ArrayList<>(Arrays.asList(schema.fieldNames()));
        k.removeAll(decoder.inputColumns());
        return k;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        RowDecoder decoder = RowDecoder.of(schema, spec(), resize(), RowDecoder.Labels.IGNORED);
        List<String> outputCols = getOutputCols();
        StructType out = new StructType();
        for (String c : kept(schema, decoder)) out = out.add(schema.apply(c));
        for (int c = 0; c < OUTPUTS.size(); c++) {
            // every output is always set, but the OOD flag: null without a fitted threshold
            out = out.add(outputCols.get(c), OUTPUT_TYPES.get(c), c == OUTPUTS.size() - 1);
        }
        if (getMemberProbabilities()) {
            out = out.add(MEMBER_PROBABILITIES, DataTypes.createMapType(DataTypes.StringType,
                    DataTypes.createArrayType(DataTypes.DoubleType, false), false), false);
        }
        return out;
    }

    private List<Integer> resize() {
        Object r = manifest.input().columns() == null ? null : manifest.input().columns().get("resize");
        if (r instanceof List<?> l && l.size() == 2) return List.of(((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue());
        return List.of();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        StructType schema = df.schema();
        StructType outSchema = transformSchema(schema);
        RowDecoder decoder = RowDecoder.of(schema, spec(), resize(), RowDecoder.Labels.IGNORED);
        int[] inputIdx = decoder.columns().stream().mapToInt(schema::fieldIndex).toArray();
        int[] keptIdx = kept(schema, decoder).stream().mapToInt(schema::fieldIndex).toArray();
        checkFirstRow(df, decoder, inputIdx);
        EnsemblePredictor predictor = EnsemblePredictor.of(new EnsembleLayout(root), manifest, config);
        List<String> names = manifest.input().classNames();
        InputShape shape = manifest.shape();
        Manifest.Scoring s = manifest.scoring();
        checkCalibration();
        double temperature = getCalibrated() ? s.temperature() : 1.0;
        Double threshold = s == null ? null : s.oodThreshold();
        boolean members = getMemberProbabilities();
        int batch = config.evaluation().batchSize();
        Map<String, String> hadoop = SparkSupport.hadoopSettings(df.sparkSession());
        int threads = SparkSupport.taskCpus(df.sparkSession());
        String gpu = config.device().gpu();
        ScoredRows scorer = new ScoredRows(predictor, decoder, inputIdx, keptIdx, shape, names, temperature, threshold,
                members, batch);
        JavaRDD<Row> rows = df.javaRDD().mapPartitionsWithIndex((part, it) -> {
            if (!it.hasNext()) return java.util.Collections.emptyIterator();
            io.ensembles.jobs.TaskDevice.startTask(hadoop, gpu, threads);
            return scorer.score(part, it);
        }, true);
        return df.sparkSession().createDataFrame(rows, outSchema);
    }

    /** The first row decoded on the driver: data of another shape fails here, in one line, before any task starts. */
    private void checkFirstRow(Dataset<Row> df, RowDecoder decoder, int[] inputIdx) {
        List<Row> first = df.limit(1).collectAsList();
        if (first.isEmpty()) return;
        ScoredRows.decode(first, inputIdx, decoder, manifest.shape(), manifest.input().classNames(), decoder.source(), 0, 0);
    }

    @Override
    public EnsembleModel copy(ParamMap extra) {
        EnsembleModel c = new EnsembleModel(uid, root, manifest, config);
        c.sourceFormat = sourceFormat;
        c.sourcePath = sourcePath;
        return copyValues(c, extra).setParent(parent());
    }

    @Override
    public String uid() {
        return uid;
    }
}
