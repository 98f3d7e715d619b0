package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ImageDataset;
import io.ensembles.data.Corruptions;
import io.ensembles.ensemble.McDropout;
import io.ensembles.ensemble.Predictor;
import io.ensembles.report.EvaluationReport;
import io.ensembles.report.OodEvaluation;
import io.ensembles.report.ShiftEvaluation;
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

/**
 * Evaluates a stored ensemble: one task per member loads it (after checking its SHA-256) and
 * predicts the test set, the driver averages the probabilities and computes the metrics, prints
 * the table and writes {@code metrics.json} next to the manifest.
 */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    private EvaluateJob() {}

    /**
     * Options of an evaluation; {@code testLimit < 0} keeps the manifest's setting, {@code mcPasses < 1}
     * the configured {@code evaluation.mc-passes}.
     */
    public record Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers, boolean shift) {
        public Options(int testLimit) {
            this(testLimit, 0, null, false, false);
        }

        public Options(int testLimit, int mcPasses) {
            this(testLimit, mcPasses, null, false, false);
        }

        public Options(int testLimit, int mcPasses, String ood) {
            this(testLimit, mcPasses, ood, false, false);
        }

        public Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers) {
            this(testLimit, mcPasses, ood, skipBadMembers, false);
        }
    }

    /** The seed of the corrupted test sets: every member and every method sees the same images. */
    public static final long SHIFT_SEED = 19700101L;

    /**
     * One member's (or MC pass's) probabilities on the test set, on the OOD set when there is one,
     * and on every corrupted test set when distribution shift is evaluated.
     */
    record Prediction(String id, float[] test, float[] ood, double testSeconds, Map<String, float[]> shifted)
            implements java.io.Serializable {}

    /** The id under which pass {@code p} (0-based) of an MC-dropout member is evaluated. */
    public static String passId(String memberId, int p) {
        return memberId + "/p" + String.format("%02d", p + 1);
    }

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
        if (options.skipBadMembers()) {
            // checked on the driver first, so a bad file is left out with a warning instead of failing a task
            List<MemberRecord> good = new ArrayList<>();
            for (MemberRecord r : members) {
                try {
                    MemberStore.verify(layout, r);
                    good.add(r);
                } catch (io.ensembles.store.IntegrityException e) {
                    LOG.warn("member {} is left out (--skip-bad-members): {}", r.id(), e.getMessage());
                }
            }
            if (good.isEmpty()) {
                throw new io.ensembles.store.IntegrityException(layout.manifest() + ": no member passed verification");
            }
            members = good;
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (options.testLimit() >= 0) overrides.put("data.test-limit", options.testLimit());
        if (options.mcPasses() >= 1) overrides.put("evaluation.mc-passes", options.mcPasses());
        if (options.ood() != null) overrides.put("data.ood-images", options.ood());
        EnsembleConfig config = EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(
                manifest.config().toString()), overrides);
        ImageDataset test = DataLoader.test(config.data(), manifest.rows(), manifest.cols());
        ImageDataset ood = DataLoader.ood(config.data(), manifest.rows(), manifest.cols());
        LOG.info("evaluating {} members of '{}' on {} test examples from {}{}", members.size(), manifest.name(),
                test.size(), config.data().testImages(), ood == null ? ""
                        : " and " + ood.size() + " out-of-distribution examples from " + config.data().oodImages());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<ImageDataset> bTest = jsc.broadcast(test);
        Broadcast<ImageDataset> bOod = ood == null ? null : jsc.broadcast(ood);
        Map<String, String> hadoop = SparkSupport.hadoopSettings(spark);
        String root = layout.root();
        var norm = manifest.normalisation();
        int batch = config.evaluation().batchSize();
        int threads = SparkSupport.taskCpus(spark);
        int passes = config.evaluation().mcPasses();
        boolean shift = options.shift();
        jsc.setJobGroup("evaluate-" + manifest.name(), "Predict the test set with " + members.size()
                + " members of '" + manifest.name() + "'", false);
        List<Prediction> predictions;
        try {
            predictions = jsc.parallelize(members, members.size()).flatMap(r -> {
                Fs.configure(hadoop);
                io.ensembles.train.NativeRuntime.limitThreads(threads);
                ComputationGraph net = MemberStore.loadVerified(new EnsembleLayout(root), r);
                ImageDataset o = bOod == null ? null : bOod.value();
                List<Prediction> out = new ArrayList<>();
                // warm-up pass on a few rows, so the timed pass measures inference, not native start-up
                Predictor.probabilities(net, bTest.value().head(Math.min(batch, bTest.value().size())), norm, batch);
                long t0 = System.nanoTime();
                if ("mc-dropout".equals(r.method())) {
                    // every stochastic pass is a member of the ensemble (the same masks' seeds on both sets)
                    List<float[]> ps = McDropout.passes(net, bTest.value(), norm, batch, passes, r.seed());
                    double each = (System.nanoTime() - t0) / 1e9 / passes;
                    List<float[]> po = o == null ? null : McDropout.passes(net, o, norm, batch, passes, r.seed());
                    List<Map<String, float[]>> sp = new ArrayList<>();
                    for (int p = 0; p < passes; p++) sp.add(new LinkedHashMap<>());
                    if (shift) {
                        for (String c : Corruptions.NAMES) {
                            for (int sev = 1; sev <= 5; sev++) {
                                ImageDataset x = Corruptions.apply(bTest.value(), c, sev, SHIFT_SEED);
                                List<float[]> q = McDropout.passes(net, x, norm, batch, passes, r.seed());
                                for (int p = 0; p < passes; p++) sp.get(p).put(ShiftEvaluation.key(c, sev), q.get(p));
                            }
                        }
                    }
                    for (int p = 0; p < ps.size(); p++) {
                        out.add(new Prediction(passId(r.id(), p), ps.get(p), po == null ? null : po.get(p), each,
                                sp.get(p)));
                    }
                } else {
                    float[] pt = Predictor.probabilities(net, bTest.value(), norm, batch);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Map<String, float[]> sp = new LinkedHashMap<>();
                    if (shift) {
                        for (String c : Corruptions.NAMES) {
                            for (int sev = 1; sev <= 5; sev++) {
                                sp.put(ShiftEvaluation.key(c, sev), Predictor.probabilities(net,
                                        Corruptions.apply(bTest.value(), c, sev, SHIFT_SEED), norm, batch));
                            }
                        }
                    }
                    out.add(new Prediction(r.id(), pt, o == null ? null : Predictor.probabilities(net, o, norm, batch),
                            secs, sp));
                }
                return out.iterator();
            }).collect();
        } finally {
            jsc.clearJobGroup();
            bTest.destroy();
            if (bOod != null) bOod.destroy();
        }
        List<String> ids = new ArrayList<>();
        List<float[]> probs = new ArrayList<>();
        Map<String, Double> spentById = new LinkedHashMap<>();
        for (MemberRecord r : members) spentById.put(r.id(), r.epochsSpent());
        double[] spent = new double[predictions.size()];
        List<float[]> oodProbs = new ArrayList<>();
        double inferenceSeconds = 0;
        for (Prediction t : predictions) {
            inferenceSeconds += t.testSeconds();
            Double s = spentById.get(t.id());
            // a pass of an MC-dropout member: its first pass carries the member's training cost
            if (s == null) s = t.id().endsWith("/p01") ? spentById.get(t.id().substring(0, t.id().indexOf('/'))) : 0.0;
            spent[ids.size()] = s;
            ids.add(t.id());
            probs.add(t.test());
            oodProbs.add(t.ood());
        }
        double base = config.budget().baseEpochs(config.training());
        EvaluationReport report = EvaluationReport.compute(manifest.name(), ids, probs, spent, base, test.labels(),
                manifest.classes(), config.evaluation().eceBins(), config.evaluation().randomOrders());
        if (ood != null) report.withOod(OodEvaluation.compute(probs, oodProbs, manifest.classes()));
        if (shift) {
            report.withShift(ShiftEvaluation.compute(predictions.stream().map(Prediction::shifted).toList(),
                    test.labels(), manifest.classes(), config.evaluation().eceBins()));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("testImages", config.data().testImages());
        extra.put("eceBins", config.evaluation().eceBins());
        if (ood != null) {
            extra.put("oodImages", config.data().oodImages());
            extra.put("oodExamples", ood.size());
        }
        extra.put("method", manifest.method());
        extra.put("randomOrders", config.evaluation().randomOrders());
        extra.put("baseEpochs", base);
        // cost of the whole ensemble: its parameters, the training run's wall time, and the
        // inference time of all its members (or passes), one task each, per 1000 test examples
        Map<String, Object> cost = new LinkedHashMap<>();
        cost.put("parameters", members.stream().mapToLong(MemberRecord::parameters).sum());
        cost.put("trainingWallSeconds", manifest.run() != null ? manifest.run().get("wallSeconds") : null);
        cost.put("inferenceSecondsPer1000", inferenceSeconds / test.size() * 1000);
        extra.put("cost", cost);
        if (members.stream().anyMatch(r -> "mc-dropout".equals(r.method()))) extra.put("mcPasses", passes);
        Fs.writeString(layout.metrics(), Json.write(report.toJson(extra)), true);
        LOG.info("wrote {}", layout.metrics());
        return report;
    }
}
