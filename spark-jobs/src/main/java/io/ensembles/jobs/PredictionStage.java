package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.SourceSpec;
import io.ensembles.data.Corruptions;
import io.ensembles.data.ExampleSet;
import io.ensembles.evaluation.EvaluationPlan;
import io.ensembles.report.ShiftEvaluation;
import io.ensembles.sources.Inputs;
import io.ensembles.sources.RowDecoder;
import io.ensembles.sources.TableReader;
import io.ensembles.store.Manifest;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The evaluation's prediction stage: the test set (and the OOD set) cut into tasks of
 * {@code evaluation.rows-per-task} rows, and every predictor's probabilities on each task's rows,
 * kept on the executors as persisted {@link Block}s that the metrics stage reads.
 */
final class PredictionStage {
    /** The two sets a block can belong to. */
    static final String TEST = "test";
    static final String OOD = "ood";

    /** The seed of the corrupted test sets: every member and every method sees the same images. */
    static final long SHIFT_SEED = 19700101L;

    private PredictionStage() {}

    /** A slice of the test or OOD set, the input of one prediction task. */
    record Chunk(String set, long first, ExampleSet data) implements Serializable {}

    /**
     * What a task makes of a chunk: every predictor's probabilities on its rows
     * ({@code probs[m][i * classes + k]}), the seconds each took, and, for a test chunk under
     * {@code --shift}, the shift metrics' sums over the chunk under every corruption.
     */
    record Block(String set, long first, int[] labels, float[][] probs, double[] seconds,
                 ShiftEvaluation.Sums shift) implements Serializable {}

    /**
     * A set to predict: its chunks, cut on the driver from a set read there (IDX files, the digits CSV)
     * or by the executors from a table they read themselves, so no table is gathered on the driver.
     */
    record Input(String source, long size, JavaRDD<Chunk> chunks, int tasks) {}

    /**
     * The stage's result: the sets, their persisted blocks (the caller unpersists them) and the test
     * set's among them, which every metric pass reads.
     */
    record Predicted(Input test, Input ood, JavaRDD<Block> blocks, JavaRDD<Block> testBlocks) {
        JavaRDD<Block> oodBlocks() {
            return blocks.filter(b -> b.set().equals(OOD));
        }
    }

    /** The sets of the plan and the (lazy, persisted) blocks of their predictions. */
    static Predicted plan(SparkSession spark, EvaluationPlan plan) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        EnsembleConfig config = plan.config();
        int rowsPerTask = config.evaluation().rowsPerTask();
        Manifest.Input input = plan.manifest().input();
        Input test = testInput(spark, jsc, config, input, rowsPerTask);
        Input ood = oodInput(spark, jsc, config, input, rowsPerTask);
        Map<String, String> hadoop = SparkSupport.hadoopSettings(spark);
        String gpuPolicy = config.device().gpu();
        int threads = SparkSupport.taskCpus(spark);
        EnsemblePredictor predictor = new EnsemblePredictor(plan.layout(), plan.predictors(),
                plan.manifest().normalisation(), config.evaluation().batchSize());
        int classes = plan.manifest().classes();
        int bins = config.evaluation().eceBins();
        boolean shift = plan.shift();
        JavaRDD<Chunk> chunks = ood == null ? test.chunks() : test.chunks().union(ood.chunks());
        JavaRDD<Block> blocks = chunks.map(ch -> {
            TaskDevice.startTask(hadoop, gpuPolicy, threads);
            return predict(ch, predictor, classes, bins, shift && ch.set().equals(TEST));
        }).persist(StorageLevel.MEMORY_AND_DISK());
        return new Predicted(test, ood, blocks, blocks.filter(b -> b.set().equals(TEST)));
    }

    /** One task: every predictor's probabilities on a chunk (members from this executor's cache). */
    private static Block predict(Chunk ch, EnsemblePredictor predictor, int classes, int bins, boolean shift)
            throws IOException {
        ExampleSet d = ch.data();
        int slots = predictor.ids().size();
        float[][] probs = new float[slots][];
        double[] seconds = new double[slots];
        List<MemberCache.Lease> leases = predictor.lease(d, true);
        try {
            predictor.predict(d, ch.first(), leases, probs, seconds);
            ShiftEvaluation.Sums sums = null;
            if (shift) {
                sums = new ShiftEvaluation.Sums(classes, bins, slots);
                float[][] shifted = new float[slots][];
                double[] ignored = new double[slots];
                for (String c : Corruptions.NAMES) {
                    for (int sev = 1; sev <= 5; sev++) {
                        ExampleSet x = Corruptions.apply(d, c, sev, SHIFT_SEED, ch.first());
                        predictor.predict(x, ch.first(), leases, shifted, ignored);
                        sums.add(c, sev, d.labels(), shifted);
                    }
                }
            }
            return new Block(ch.set(), ch.first(), d.labels(), probs, seconds, sums);
        } finally {
            for (MemberCache.Lease l : leases) l.close();
        }
    }

    private static Input testInput(SparkSession spark, JavaSparkContext jsc, EnsembleConfig config,
                                   Manifest.Input input, int rowsPerTask) {
        var d = config.data();
        if (d.test().configured() && !d.test().projectReader()) {
            return fromTable(spark, TEST, d.test(), new TableReader.Target(d.resize(), d.testLimit(),
                    input.classNames(), RowDecoder.Labels.REQUIRED, input.shape()), rowsPerTask);
        }
        return fromSet(jsc, TEST, Inputs.test(spark, config, input), rowsPerTask);
    }

    /** The OOD set, or null: its labels are not read, its rows carry the ensemble's classes. */
    private static Input oodInput(SparkSession spark, JavaSparkContext jsc, EnsembleConfig config,
                                  Manifest.Input input, int rowsPerTask) {
        var d = config.data();
        if (d.ood().configured() && !d.ood().projectReader()) {
            return fromTable(spark, OOD, d.ood(), new TableReader.Target(d.resize(), 0, input.classNames(),
                    RowDecoder.Labels.IGNORED, input.shape()), rowsPerTask);
        }
        ExampleSet set = Inputs.ood(spark, config, input);
        return set == null ? null : fromSet(jsc, OOD, set, rowsPerTask);
    }

    private static Input fromTable(SparkSession spark, String set, SourceSpec s, TableReader.Target t,
                                   int rowsPerTask) {
        TableReader.Partitioned p = TableReader.partitioned(spark, s, t, rowsPerTask);
        return new Input(p.source(), p.rows(), p.chunks().map(n -> new Chunk(set, n.first(), n.set())), p.partitions());
    }

    /**
     * A set the driver read (IDX, digits) cut into tasks. The set is broadcast and each task holds
     * only its first row: with the rows in the tasks themselves every task was megabytes, which
     * Spark warns about and sends with every task.
     */
    private static Input fromSet(JavaSparkContext jsc, String set, ExampleSet d, int rowsPerTask) {
        List<Integer> firsts = new ArrayList<>();
        for (int from = 0; from < d.size(); from += rowsPerTask) firsts.add(from);
        Broadcast<ExampleSet> rows = jsc.broadcast(d);
        JavaRDD<Chunk> chunks = jsc.parallelize(firsts, firsts.size()).map(from -> {
            ExampleSet all = rows.value();
            return new Chunk(set, from, all.slice(from, Math.min(all.size(), from + rowsPerTask)));
        });
        return new Input(d.source(), d.size(), chunks, firsts.size());
    }
}
