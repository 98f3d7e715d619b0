package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ImageDataset;
import io.ensembles.ensemble.Predictor;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.MemberStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Evaluates a stored ensemble: one task per member loads it (after checking its SHA-256) and
 * predicts the test set, the driver averages the probabilities and computes the metrics, prints
 * the table and writes {@code metrics.json} next to the manifest.
 */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    private EvaluateJob() {}

    /** Options of an evaluation; {@code testLimit < 0} keeps the manifest's setting. */
    public record Options(int testLimit) {}

    public static EvaluationReport run(SparkSession spark, String ensembleUri, Options options) throws IOException {
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(ensembleUri));
        Manifest manifest = Manifest.read(layout);
        List<MemberRecord> members = manifest.completedMembers();
        if (members.isEmpty()) {
            throw new IllegalStateException(layout.manifest() + ": no completed member to evaluate ("
                    + manifest.members().size() + " failed)");
        }
        for (MemberRecord r : manifest.members()) {
            if (!r.completed()) LOG.warn("member {} is left out: it failed in training ({})", r.id(), r.failureReason());
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (options.testLimit() >= 0) overrides.put("data.test-limit", options.testLimit());
        EnsembleConfig config = EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(
                manifest.config().toString()), overrides);
        ImageDataset test = DataLoader.test(config.data(), manifest.rows(), manifest.cols());
        LOG.info("evaluating {} members of '{}' on {} test examples from {}", members.size(), manifest.name(),
                test.size(), config.data().testImages());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<ImageDataset> bTest = jsc.broadcast(test);
        Map<String, String> hadoop = SparkSupport.hadoopSettings(spark);
        String root = layout.root();
        var norm = manifest.normalisation();
        int batch = config.evaluation().batchSize();
        int threads = SparkSupport.taskCpus(spark);
        jsc.setJobGroup("evaluate-" + manifest.name(), "Predict the test set with " + members.size()
                + " members of '" + manifest.name() + "'", false);
        List<Tuple2<String, float[]>> predictions;
        try {
            predictions = jsc.parallelize(members, members.size()).map(r -> {
                Fs.configure(hadoop);
                io.ensembles.train.NativeRuntime.limitThreads(threads);
                ComputationGraph net = MemberStore.loadVerified(new EnsembleLayout(root), r);
                return new Tuple2<>(r.id(), Predictor.probabilities(net, bTest.value(), norm, batch));
            }).collect();
        } finally {
            jsc.clearJobGroup();
            bTest.destroy();
        }
        List<String> ids = new ArrayList<>();
        List<float[]> probs = new ArrayList<>();
        for (Tuple2<String, float[]> t : predictions) {
            ids.add(t._1());
            probs.add(t._2());
        }
        EvaluationReport report = EvaluationReport.compute(manifest.name(), ids, probs, test.labels(),
                manifest.classes(), config.evaluation().eceBins());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("testImages", config.data().testImages());
        extra.put("eceBins", config.evaluation().eceBins());
        Fs.writeString(layout.metrics(), Json.write(report.toJson(extra)), true);
        LOG.info("wrote {}", layout.metrics());
        return report;
    }
}
