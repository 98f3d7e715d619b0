package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.sources.Inputs;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.ensemble.Predictor;
import io.ensembles.landscape.FunctionSpace;
import io.ensembles.landscape.Interpolation;
import io.ensembles.landscape.LandscapeResult;
import io.ensembles.landscape.WeightSpace;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.report.MetricsFile;
import io.ensembles.report.LandscapeReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.IntegrityException;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.IOException;
import java.io.Serializable;
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
 * The loss-landscape view of stored ensembles. The checkpoints: the snapshots of a snapshot run
 * (sse, fge, nocycle), which share one trajectory; the end-of-epoch weights of every member trained
 * with {@code training.keep-checkpoints}, one trajectory per member ending in the member itself; and
 * every other member, a trajectory of one point. One Spark task per checkpoint loads it (SHA-256
 * checked) and predicts the same test points; the driver gets back the predictions and the
 * parameters and computes the similarity matrices, the t-SNE map, the ensemble-size curves and the
 * interpolation lines, then writes landscape.json and landscape.html (linked from the evaluation
 * report of the folder it is written to).
 */
public final class LandscapeJob {
    private static final Logger LOG = LoggerFactory.getLogger(LandscapeJob.class);

    private LandscapeJob() {}

    /** How a trajectory came about. */
    enum Kind { SNAPSHOTS, EPOCHS, MEMBER }

    /** One checkpoint to measure: a stored member, or one epoch of a member's kept trajectory. */
    record Unit(String name, String trajectory, Kind kind, String root, MemberRecord record, Normalisation norm)
            implements Serializable {}

    /** The seed of the t-SNE map: the same checkpoints always give the same map. */
    static final long EMBEDDING_SEED = 20190705L;

    /** What a task sends back: the checkpoint's probabilities on the test points and its parameters. */
    record Measured(float[] probs, float[] params) implements Serializable {}

    public static LandscapeResult run(SparkSession spark, List<String> ensembleUris, int points, int steps, String out)
            throws IOException {
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        List<Unit> units = new ArrayList<>();
        Manifest first = null;
        for (String uri : ensembleUris) {
            EnsembleLayout layout = new EnsembleLayout(Fs.qualify(uri));
            Manifest m = Manifest.read(layout);
            if (first == null) first = m;
            String name = layout.name();
            for (MemberRecord r : m.completedMembers()) {
                if (r.packed() != null) {
                    throw new IntegrityException(layout.root() + ": a Packed-Ensemble keeps its members in one "
                            + "network; the landscape compares separate networks (train them with --method deep)");
                }
                if (r.snapshot() != null) {
                    units.add(new Unit(name + "/" + r.id(), name + " (one run)", Kind.SNAPSHOTS, layout.root(), r,
                            m.normalisation()));
                } else if (r.trajectory() != null && !r.trajectory().isEmpty()) {
                    // the last kept epoch is the member's final state: the trajectory ends in the member
                    for (MemberRecord.EpochCheckpoint e : r.trajectory()) {
                        units.add(new Unit(String.format("%s/%s@e%d", name, r.id(), e.epoch()), name + "/" + r.id(),
                                Kind.EPOCHS, layout.root(), r.withFile(e.path(), e.sha256()), m.normalisation()));
                    }
                } else {
                    units.add(new Unit(name + "/" + r.id(), name + "/" + r.id(), Kind.MEMBER, layout.root(), r,
                            m.normalisation()));
                }
            }
        }
        if (units.size() < 2) throw new IntegrityException("the landscape needs two or more completed members; got "
                + units.size());
        // a changed or missing file stops the job here, with its name, before any task starts
        for (Unit u : units) VerifiedModels.verify(new EnsembleLayout(u.root()), u.record());
        EnsembleConfig cfg = first.configuration(Map.of());
        ExampleSet all = Inputs.test(spark, cfg, first.input());
        ExampleSet test = all.slice(0, Math.min(points, all.size()));
        int classes = first.classes();
        LOG.info("landscape of {} checkpoints in {} trajectories on {} test points from {}", units.size(),
                units.stream().map(Unit::trajectory).distinct().count(), test.size(), cfg.data().testImages());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<ExampleSet> bTest = jsc.broadcast(test);
        Map<String, String> hadoop = SparkSupport.hadoopSettings(spark);
        int threads = SparkSupport.taskCpus(spark);
        String gpu = cfg.device().gpu();
        List<Measured> measured;
        jsc.setJobGroup("landscape", "Predict " + test.size() + " test points with " + units.size() + " checkpoints",
                false);
        try {
            measured = jsc.parallelize(units, units.size()).map(u -> {
                TaskDevice.startTask(hadoop, gpu, threads);
                ComputationGraph net = VerifiedModels.loadVerified(new EnsembleLayout(u.root()), u.record());
                float[] probs = Predictor.probabilities(net, bTest.value(), u.norm(), 500);
                return new Measured(probs, net.params().toFloatVector());
            }).collect();
        } finally {
            jsc.clearJobGroup();
            bTest.destroy();
        }
        int[] labels = test.labels();
        List<String> names = units.stream().map(Unit::name).toList();
        List<String> trajectories = units.stream().map(Unit::trajectory).toList();
        List<float[]> probs = measured.stream().map(Measured::probs).toList();
        double[] error = probs.stream().mapToDouble(p -> ClassificationMetrics.error(p, labels, classes)).toArray();
        double[][] cosine = WeightSpace.cosineMatrix(measured.stream().map(Measured::params).toList());
        double[][] disagreement = FunctionSpace.disagreementMatrix(probs, classes);

        long started = System.nanoTime();
        io.ensembles.landscape.Embedding embedding = io.ensembles.landscape.Embedding.of(probs, EMBEDDING_SEED);
        if (embedding != null) {
            LOG.info("t-SNE map of {} checkpoints (perplexity {}) in {} s", units.size(),
                    String.format("%.2f", embedding.perplexity()), String.format("%.1f", (System.nanoTime() - started) / 1e9));
        }

        Map<String, List<Integer>> byTrajectory = new LinkedHashMap<>();
        for (int i = 0; i < units.size(); i++) byTrajectory.computeIfAbsent(trajectories.get(i), k -> new ArrayList<>()).add(i);
        // an independent solution is the end of a member's trajectory (with or without kept epochs)
        List<Integer> independent = byTrajectory.values().stream().filter(l -> units.get(l.get(0)).kind() != Kind.SNAPSHOTS)
                .map(l -> l.get(l.size() - 1)).toList();
        List<Integer> snapshots = longest(byTrajectory, units, Kind.SNAPSHOTS);
        // the epochs of one member, newest first: the ensemble of its last k epochs
        List<Integer> epochs = new ArrayList<>(longest(byTrajectory, units, Kind.EPOCHS));
        java.util.Collections.reverse(epochs);
        List<LandscapeResult.SizeCurve> curves = new ArrayList<>();
        if (independent.size() > 1) curves.add(curve("independent members", independent, names, probs, labels, classes));
        if (snapshots.size() > 1) curves.add(curve("snapshots of one run", snapshots, names, probs, labels, classes));
        if (epochs.size() > 1) curves.add(curve("last epochs of one member", epochs, names, probs, labels, classes));

        List<LandscapeResult.Line> lines = new ArrayList<>();
        if (independent.size() > 1) lines.add(line("two independent members", units, independent.get(0),
                independent.get(1), test, steps));
        if (snapshots.size() > 1) lines.add(line("two consecutive snapshots", units,
                snapshots.get(snapshots.size() - 2), snapshots.get(snapshots.size() - 1), test, steps));
        if (epochs.size() > 1) lines.add(line("two consecutive epochs of one member", units, epochs.get(1),
                epochs.get(0), test, steps));

        LandscapeResult result = new LandscapeResult(test.size(), names, trajectories, cosine, disagreement, error,
                embedding, curves, lines);
        String folder = Fs.qualify(out);
        Fs.writeString(folder + "/landscape.json", Json.write(result), true);
        Fs.writeString(folder + "/landscape.html", LandscapeReport.render("Loss landscape of "
                + String.join(", ", ensembleUris.stream().map(EnsembleLayout::folderName).toList()), result), true);
        LOG.info("wrote {}/landscape.json and landscape.html", folder);
        // the evaluation report there is rendered again from its metrics.json, now with the link
        if (MetricsFile.refreshReport(new EnsembleLayout(folder))) {
            LOG.info("linked it from {}", new EnsembleLayout(folder).report());
        }
        return result;
    }

    /** The checkpoints of the longest trajectory of a kind (the first of equals), in order; empty if none. */
    private static List<Integer> longest(Map<String, List<Integer>> byTrajectory, List<Unit> units, Kind kind) {
        List<Integer> best = List.of();
        for (List<Integer> l : byTrajectory.values()) {
            if (units.get(l.get(0)).kind() == kind && l.size() > best.size()) best = l;
        }
        return best;
    }

    private static LandscapeResult.SizeCurve curve(String name, List<Integer> members, List<String> names,
                                                   List<float[]> probs, int[] labels, int classes) {
        double[] nll = new double[members.size()];
        double[] acc = new double[members.size()];
        for (int k = 1; k <= members.size(); k++) {
            float[] avg = ClassificationMetrics.average(members.subList(0, k).stream().map(probs::get).toList());
            nll[k - 1] = ClassificationMetrics.nll(avg, labels, classes);
            acc[k - 1] = ClassificationMetrics.accuracy(avg, labels, classes);
        }
        return new LandscapeResult.SizeCurve(name, members.stream().map(names::get).toList(), nll, acc);
    }

    /** The interpolation line between two checkpoints, on the driver (two networks, a few passes). */
    private static LandscapeResult.Line line(String name, List<Unit> units, int a, int b, ExampleSet test,
                                             int steps) throws IOException {
        Unit ua = units.get(a);
        Unit ub = units.get(b);
        ComputationGraph na = VerifiedModels.loadVerified(new EnsembleLayout(ua.root()), ua.record());
        ComputationGraph nb = VerifiedModels.loadVerified(new EnsembleLayout(ub.root()), ub.record());
        if (na.numParams() != nb.numParams()) {
            return new LandscapeResult.Line(name + " (different architectures: no line)", ua.name(), ub.name(), List.of());
        }
        return new LandscapeResult.Line(name, ua.name(), ub.name(),
                Interpolation.line(na, nb, test, ua.norm(), 500, steps));
    }
}
