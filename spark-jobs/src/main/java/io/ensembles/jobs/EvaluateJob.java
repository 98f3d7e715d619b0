package io.ensembles.jobs;

import io.ensembles.evaluation.EvaluationOptions;
import io.ensembles.evaluation.EvaluationPlan;
import io.ensembles.evaluation.EvaluationRun;
import io.ensembles.evaluation.Predictors;
import io.ensembles.fs.Fs;
import io.ensembles.jobs.PredictionStage.Predicted;
import io.ensembles.metrics.EnsembleStatistics;
import io.ensembles.report.EvaluationReport;
import io.ensembles.report.MetricsFile;
import io.ensembles.sources.TableReader;
import io.ensembles.store.Manifest;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a stored ensemble on the cluster, in four steps: the Spark-free {@link EvaluationPlan};
 * the {@link PredictionStage}, where each executor loads every member once (verifying its SHA-256;
 * {@link MemberCache}) and predicts its tasks' rows with all of them, the predictions staying on the
 * executors (and written as a Parquet table, {@link PredictionTable}); the {@link MetricsStage},
 * passes that return only sums ({@link EnsembleStatistics}) or per-partition counts
 * ({@link RankingJobs}); and the writers: {@code metrics.json} and {@code report.html}
 * ({@link MetricsFile}), and the scoring settings in the manifest ({@link ScoringFit}).
 */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    private EvaluateJob() {}

    /** Seconds per phase, in the order they ran. */
    private static final class Timings {
        final Map<String, Double> seconds = new LinkedHashMap<>();
        final long started = System.nanoTime();
        long mark = started;

        void phase(String key) {
            long now = System.nanoTime();
            seconds.put(key, (now - mark) / 1e9);
            mark = now;
        }

        Map<String, Double> done() {
            seconds.put("totalSeconds", (System.nanoTime() - started) / 1e9);
            return seconds;
        }
    }

    public static EvaluationReport run(SparkSession spark, String ensembleUri, EvaluationOptions options)
            throws IOException {
        ExecutorMemoryPeaks.resetDriverPeak();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        String evaluatedAt = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        EvaluationPlan plan = EvaluationPlan.of(ensembleUri, options);
        Manifest manifest = plan.manifest();
        Predictors predictors = plan.predictors();
        var ev = plan.config().evaluation();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Predicted p = PredictionStage.plan(spark, plan);
        LOG.info("evaluating {} members ({} predictors) of '{}' on {} test examples from {}{}, in {} tasks of up to {} rows",
                predictors.members().size(), predictors.slots().size(), manifest.name(), p.test().size(),
                p.test().source(), p.ood() == null ? "" : " and " + p.ood().size()
                        + " out-of-distribution examples from " + p.ood().source(),
                p.test().tasks() + (p.ood() == null ? 0 : p.ood().tasks()), ev.rowsPerTask());
        String group = "evaluate-" + manifest.name();
        int classes = manifest.classes();
        Timings timings = new Timings();
        try {
            jsc.setJobGroup(group, "Predict " + p.test().size() + " test examples with " + predictors.slots().size()
                    + " members of '" + manifest.name() + "'", false);
            try {
                p.blocks().count(); // the prediction job: later passes read the persisted blocks
            } catch (Exception e) { // a checked SparkException, thrown undeclared from Scala
                throw TableReader.dataError(e); // a bad row of a table: the task's one-line message
            }
            timings.phase("predictSeconds");
            double inferenceSeconds = MetricsStage.inferenceSeconds(p.testBlocks());
            if (ev.writePredictions()) {
                jsc.setJobGroup(group, "Write the predictions of '" + manifest.name() + "' as Parquet", false);
                PredictionTable.write(spark, p.blocks(), predictors.ids(), classes, plan.outputs().predictions());
                timings.phase("parquetSeconds");
            }
            jsc.setJobGroup(group, "Metrics of '" + manifest.name() + "' at every ensemble size", false);
            EvaluationReport report = MetricsStage.rows(manifest.name(), predictors, plan.config(), p.testBlocks(),
                    (int) p.test().size(), classes);
            timings.phase("metricsSeconds");
            if (p.ood() != null) {
                jsc.setJobGroup(group, "OOD detection of '" + manifest.name() + "'", false);
                MetricsStage.ood(report, p, predictors.slots().size(), classes);
                timings.phase("oodSeconds");
            }
            if (plan.shift()) MetricsStage.shift(report, p.testBlocks());
            EvaluationRun run = record(plan, p, timings.done());
            report.withCost(cost(plan, inferenceSeconds / p.test().size() * 1000));
            report.withLeftOut(plan.leftOut());
            report.withInput(new EvaluationReport.Input(manifest.shape().toString(), manifest.input().classNames()));
            if (plan.inPlace()) {
                jsc.setJobGroup(group, "Scoring settings of '" + manifest.name() + "'", false);
                ScoringFit.store(plan.layout(), manifest, p.testBlocks(), p.test().size(), classes,
                        predictors.slots().size(), ev.oodTpr(), p.test().source());
            }
            MetricsFile.write(plan.outputs(), report, run, manifest.method(), evaluatedAt);
            LOG.info("wrote {} and {}", plan.outputs().metrics(), plan.outputs().report());
            return report;
        } finally {
            jsc.clearJobGroup();
            p.blocks().unpersist(false);
        }
    }

    /**
     * The whole ensemble's cost: its parameters, the training run's wall time, and the inference time
     * of all its members (or passes) per 1000 test examples.
     */
    private static EvaluationReport.Cost cost(EvaluationPlan plan, double inferencePer1000) {
        Map<String, Object> run = plan.manifest().run();
        Object wall = run != null ? run.get("wallSeconds") : null;
        return new EvaluationReport.Cost(plan.predictors().parameters(),
                wall instanceof Number n ? n.doubleValue() : null, inferencePer1000);
    }

    /** The typed record of the run that metrics.json keeps beside the metrics. */
    private static EvaluationRun record(EvaluationPlan plan, Predicted p, Map<String, Double> timings) {
        var ev = plan.config().evaluation();
        Manifest manifest = plan.manifest();
        return new EvaluationRun(p.test().source(), ev.eceBins(),
                p.ood() == null ? null : p.ood().source(), p.ood() == null ? null : p.ood().size(), manifest.method(),
                ev.randomOrders(), plan.config().budget().baseEpochs(plan.config().training()),
                new EvaluationRun.Tasks(p.test().tasks(), p.ood() == null ? 0 : p.ood().tasks(), ev.rowsPerTask()),
                ev.writePredictions() ? plan.outputs().predictions() : null,
                ExecutorMemoryPeaks.driverPeakHeapMiB(), ExecutorMemoryPeaks.driverPeakLiveHeapMiB(), timings,
                plan.predictors().hasMcDropout() ? plan.predictors().passes() : null);
    }
}
