package io.ensembles.jobs;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.sources.Inputs;
import io.ensembles.sources.RowDecoder;
import io.ensembles.sources.TableReader;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Corruptions;
import io.ensembles.ensemble.McDropout;
import io.ensembles.ensemble.Predictor;
import io.ensembles.report.Comparison;
import io.ensembles.report.EvaluationReport;
import io.ensembles.report.HtmlReport;
import io.ensembles.report.OodEvaluation;
import io.ensembles.report.ShiftEvaluation;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.store.VerifiedModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import io.ensembles.metrics.EnsembleStatistics;
import io.ensembles.metrics.TemperatureScaling;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a stored ensemble on the cluster. The test set (and the OOD set) is cut into tasks of
 * {@code evaluation.rows-per-task} rows; each executor loads every member once (verifying its
 * SHA-256; {@link MemberCache}) and predicts its tasks' rows with all of them. The predictions stay
 * on the executors: they are written as a Parquet table ({@link PredictionTable}), and every metric
 * is computed from them by passes that return only sums ({@link EnsembleStatistics}) or per-
 * partition counts ({@link RankingJobs}). The driver assembles the report, writes
 * {@code metrics.json} next to the manifest and returns the report.
 */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    private EvaluateJob() {}

    /**
     * Options of an evaluation; {@code testLimit < 0} keeps the manifest's setting, {@code mcPasses < 1}
     * the configured {@code evaluation.mc-passes}; {@code settings} override configuration keys
     * (e.g. {@code evaluation.rows-per-task}) over the manifest's configuration.
     */
    public record Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers, boolean shift,
                          Map<String, Object> settings, String output) {
        public Options {
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }

        public Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers, boolean shift,
                       Map<String, Object> settings) {
            this(testLimit, mcPasses, ood, skipBadMembers, shift, settings, null);
        }

        /**
         * The same evaluation writing its metrics.json, report.html and predictions to another folder
         * than the ensemble's (retraining evaluates the current version on new data without touching it).
         */
        public Options writingTo(String folder) {
            return new Options(testLimit, mcPasses, ood, skipBadMembers, shift, settings, folder);
        }

        public Options(int testLimit) {
            this(testLimit, 0, null, false, false, null);
        }

        public Options(int testLimit, int mcPasses) {
            this(testLimit, mcPasses, null, false, false, null);
        }

        public Options(int testLimit, int mcPasses, String ood) {
            this(testLimit, mcPasses, ood, false, false, null);
        }

        public Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers) {
            this(testLimit, mcPasses, ood, skipBadMembers, false, null);
        }

        public Options(int testLimit, int mcPasses, String ood, boolean skipBadMembers, boolean shift) {
            this(testLimit, mcPasses, ood, skipBadMembers, shift, null);
        }
    }

    /** The seed of the corrupted test sets: every member and every method sees the same images. */
    public static final long SHIFT_SEED = 19700101L;

    /** The two sets a block can belong to. */
    static final String TEST = "test";
    static final String OOD = "ood";

    /** A slice of the test or OOD set, the input of one prediction task. */
    record Chunk(String set, long first, ExampleSet data) implements java.io.Serializable {}

    /**
     * What a task makes of a chunk: every member's (or MC pass's) probabilities on its rows
     * ({@code probs[m][i * classes + k]}), the seconds each member took, and, for a test chunk
     * under {@code --shift}, the shift metrics' sums over the chunk under every corruption.
     */
    record Block(String set, long first, int[] labels, float[][] probs, double[] seconds,
                 ShiftEvaluation.Sums shift) implements java.io.Serializable {}

    /** One member of the evaluated ensemble: a stored member, or one MC-dropout pass ({@code pass >= 0}) of one. */
    record Slot(String id, int record, int pass) implements java.io.Serializable {}

    /** The id under which pass {@code p} (0-based) of an MC-dropout member is evaluated. */
    public static String passId(String memberId, int p) {
        return memberId + "/p" + String.format("%02d", p + 1);
    }

    public static EvaluationReport run(SparkSession spark, String ensembleUri, Options options) throws IOException {
        ExecutorMemoryPeaks.resetDriverPeak();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(ensembleUri));
        Manifest manifest = Manifest.read(layout);
        // where the evaluation's own files go: the ensemble folder unless told otherwise
        EnsembleLayout outputs = options.output() == null ? layout : new EnsembleLayout(Fs.qualify(options.output()));
        List<MemberRecord> members = manifest.completedMembers();
        List<EvaluationReport.LeftOut> leftOut = new ArrayList<>();
        for (MemberRecord r : manifest.members()) {
            if (r.completed()) continue;
            LOG.warn("member {} is left out: {} in training ({})", r.id(), r.status(), r.failureReason());
            leftOut.add(new EvaluationReport.LeftOut(r.id(), r.status(), r.failureReason()));
        }
        if (members.isEmpty()) {
            throw new IllegalStateException(layout.manifest() + ": no completed member to evaluate (" + leftOut.stream()
                    .map(l -> l.id() + " " + l.status()).collect(java.util.stream.Collectors.joining(", ")) + ")");
        }
        Map<String, Object> overrides = new LinkedHashMap<>(options.settings());
        if (options.testLimit() >= 0) overrides.put("data.test-limit", options.testLimit());
        if (options.mcPasses() >= 1) overrides.put("evaluation.mc-passes", options.mcPasses());
        if (options.ood() != null) overrides.put("data.ood-images", options.ood());
        EnsembleConfig config = EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(
                manifest.config().toString()), overrides);
        int max = config.evaluation().maxMembers();
        if (max > 0 && members.size() > max) {
            LOG.info("evaluating the first {} of {} completed members (evaluation.max-members)", max, members.size());
            members = members.subList(0, max);
        }
        if (options.skipBadMembers()) {
            // checked on the driver first, so a bad file is left out with a warning instead of failing a task
            List<MemberRecord> good = new ArrayList<>();
            for (MemberRecord r : members) {
                try {
                    VerifiedModels.verify(layout, r);
                    good.add(r);
                } catch (io.ensembles.store.IntegrityException e) {
                    LOG.warn("member {} is left out (--skip-bad-members): {}", r.id(), e.getMessage());
                    leftOut.add(new EvaluationReport.LeftOut(r.id(), "unverified", e.getMessage()));
                }
            }
            if (good.isEmpty()) {
                throw new io.ensembles.store.IntegrityException(layout.manifest() + ": no member passed verification");
            }
            members = good;
        }
        var ev = config.evaluation();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Input test = testInput(spark, jsc, config, manifest.input(), ev.rowsPerTask());
        Input ood = oodInput(spark, jsc, config, manifest.input(), ev.rowsPerTask());
        if (options.shift() && !manifest.shape().isImage()) {
            throw new IllegalArgumentException("--shift corrupts images; the test set holds " + manifest.shape());
        }
        int passes = ev.mcPasses();
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            MemberRecord r = members.get(i);
            if (io.ensembles.config.Method.MC_DROPOUT.is(r.method())) {
                for (int p = 0; p < passes; p++) slots.add(new Slot(passId(r.id(), p), i, p));
            } else {
                slots.add(new Slot(r.id(), i, -1));
            }
        }
        LOG.info("evaluating {} members ({} predictors) of '{}' on {} test examples from {}{}, in {} tasks of up to {} rows",
                members.size(), slots.size(), manifest.name(), test.size(), test.source(),
                ood == null ? "" : " and " + ood.size() + " out-of-distribution examples from "
                        + ood.source(), test.tasks() + (ood == null ? 0 : ood.tasks()), ev.rowsPerTask());

        Map<String, String> hadoop = SparkSupport.hadoopSettings(spark);
        String root = layout.root();
        var norm = manifest.normalisation();
        int batch = ev.batchSize();
        int threads = SparkSupport.taskCpus(spark);
        int classes = manifest.classes();
        int bins = ev.eceBins();
        boolean shift = options.shift();
        List<MemberRecord> records = List.copyOf(members);
        // the distinct model files: the M members of a packed network share one, read in one forward pass
        List<MemberRecord> units = new ArrayList<>();
        int[] unitOf = new int[records.size()];
        Map<String, Integer> unitByPath = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            MemberRecord r = records.get(i);
            Integer u = unitByPath.get(r.path());
            if (u == null) {
                u = units.size();
                unitByPath.put(r.path(), u);
                units.add(r);
            }
            unitOf[i] = u;
        }
        String group = "evaluate-" + manifest.name();
        jsc.setJobGroup(group, "Predict " + test.size() + " test examples with " + slots.size() + " members of '"
                + manifest.name() + "'", false);
        String gpuPolicy = config.device().gpu();
        JavaRDD<Chunk> chunks = ood == null ? test.chunks() : test.chunks().union(ood.chunks());
        JavaRDD<Block> blocks = chunks.map(ch -> {
            TaskDevice.startTask(hadoop, gpuPolicy, threads);
            return predict(ch, new EnsembleLayout(root), records, units, unitOf, slots, norm, batch, passes, classes,
                    bins, shift && ch.set().equals(TEST));
        }).persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, Object> timings = new LinkedHashMap<>();
        long started = System.nanoTime();
        long[] mark = {started};
        java.util.function.Consumer<String> timed = key -> {
            long now = System.nanoTime();
            timings.put(key, (now - mark[0]) / 1e9);
            mark[0] = now;
        };
        try {
            JavaRDD<Block> testBlocks = blocks.filter(b -> b.set().equals(TEST));
            // the prediction job runs here (every chunk, both sets, and --shift's corruptions);
            // later passes read the persisted blocks
            try {
                blocks.count();
            } catch (Exception e) { // a checked SparkException, thrown undeclared from Scala
                throw TableReader.dataError(e); // a bad row of a table: the task's one-line message
            }
            timed.accept("predictSeconds");
            double inferenceSeconds = testBlocks.map(b -> java.util.Arrays.stream(b.seconds()).sum())
                    .fold(0.0, Double::sum);
            List<String> ids = slots.stream().map(Slot::id).toList();
            if (ev.writePredictions()) {
                jsc.setJobGroup(group, "Write the predictions of '" + manifest.name() + "' as Parquet", false);
                PredictionTable.write(spark, blocks, ids, classes, outputs.predictions());
                timed.accept("parquetSeconds");
            }
            jsc.setJobGroup(group, "Metrics of '" + manifest.name() + "' at every ensemble size", false);
            EvaluationReport report = metrics(manifest.name(), ids, spentOf(slots, records), config, testBlocks,
                    (int) test.size(), classes);
            timed.accept("metricsSeconds");
            if (ood != null) {
                jsc.setJobGroup(group, "OOD detection of '" + manifest.name() + "'", false);
                report.withOod(RankingJobs.ood(testBlocks, blocks.filter(b -> b.set().equals(OOD)), slots.size(),
                        classes));
                report.withOodHistograms(blocks.map(b -> new OodEvaluation.Histograms(classes)
                        .add(java.util.Arrays.asList(b.probs()), b.set().equals(OOD)))
                        .reduce(OodEvaluation.Histograms::merge).rows());
                timed.accept("oodSeconds");
            }
            if (shift) {
                report.withShift(testBlocks.map(Block::shift).reduce(ShiftEvaluation.Sums::merge).rows());
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("testImages", test.source());
            extra.put("eceBins", bins);
            if (ood != null) {
                extra.put("oodImages", ood.source());
                extra.put("oodExamples", ood.size());
            }
            extra.put("method", manifest.method());
            extra.put("randomOrders", ev.randomOrders());
            extra.put("baseEpochs", config.budget().baseEpochs(config.training()));
            extra.put("tasks", Map.of("test", test.tasks(), "ood", ood == null ? 0 : ood.tasks(),
                    "rowsPerTask", ev.rowsPerTask()));
            if (ev.writePredictions()) extra.put("predictions", outputs.predictions());
            // cost of the whole ensemble: its parameters, the training run's wall time, and the
            // inference time of all its members (or passes) per 1000 test examples
            Map<String, Object> cost = new LinkedHashMap<>();
            cost.put("parameters", units.stream().mapToLong(MemberRecord::parameters).sum());
            cost.put("trainingWallSeconds", manifest.run() != null ? manifest.run().get("wallSeconds") : null);
            cost.put("inferenceSecondsPer1000", inferenceSeconds / test.size() * 1000);
            extra.put("cost", cost);
            timings.put("totalSeconds", (System.nanoTime() - started) / 1e9);
            extra.put("driverPeakHeapMiB", ExecutorMemoryPeaks.driverPeakHeapMiB());
            extra.put("driverPeakLiveHeapMiB", ExecutorMemoryPeaks.driverPeakLiveHeapMiB());
            extra.put("timings", timings);
            if (members.stream().anyMatch(r -> io.ensembles.config.Method.MC_DROPOUT.is(r.method()))) extra.put("mcPasses", passes);
            report.withCost(cost);
            report.withLeftOut(leftOut);
            report.withInput(new EvaluationReport.Input(manifest.shape().toString(), manifest.input().classNames()));
            extra.put("input", Map.of("shape", manifest.shape().toString(), "classNames", manifest.input().classNames()));
            if (outputs == layout) {
                jsc.setJobGroup(group, "Scoring settings of '" + manifest.name() + "'", false);
                fitScoring(layout, manifest, testBlocks, test.size(), classes, ids.size(), ev.oodTpr(), test.source());
            }
            Fs.writeString(outputs.metrics(), Json.write(report.toJson(extra)), true);
            LOG.info("wrote {}", outputs.metrics());
            List<Comparison.Entry> self = List.of(new Comparison.Entry(folderName(layout.root()), manifest.method(),
                    report));
            Fs.writeString(outputs.report(), HtmlReport.render("Evaluation of " + manifest.name(), self,
                    Comparison.compute(self), LandscapeJob.section(outputs.root())), true);
            LOG.info("wrote {}", outputs.report());
            return report;
        } finally {
            jsc.clearJobGroup();
            blocks.unpersist(false);
        }
    }

    /**
     * Fits what scoring needs on the test set (held-out, in distribution) and stores it in the
     * manifest: the temperature of the full ensemble's mean probabilities, by NLL, and the entropy
     * threshold below which {@code tpr} of the test rows fall. A format-1 manifest is left as it is.
     */
    private static void fitScoring(EnsembleLayout layout, Manifest manifest, JavaRDD<Block> test, long n, int classes,
                                   int slots, double tpr, String source) throws IOException {
        if (manifest.formatVersion() < Manifest.FORMAT_VERSION) {
            LOG.info("{} is a format-{} ensemble: its manifest is not rewritten, so scoring has no OOD threshold or "
                    + "temperature (retrain to get them)", layout.root(), manifest.formatVersion());
            return;
        }
        // executor-side passes: the test rows are never gathered here. Every pass reads the mean of
        // the members' probabilities, averaged once per block and kept.
        JavaRDD<Block> means = test.map(b -> new Block(b.set(), b.first(), b.labels(),
                new float[][] {ScoringFit.mean(b)}, null, null)).persist(StorageLevel.MEMORY_AND_DISK());
        double threshold;
        double t;
        try {
            threshold = ScoringFit.entropyAt(means, classes, Math.min(n - 1, Math.max(0, (long) Math.ceil(tpr * n) - 1)));
            t = ScoringFit.temperature(means, classes);
        } finally {
            means.unpersist(false);
        }
        Manifest.Scoring scoring = new Manifest.Scoring(t, "entropy", threshold, tpr, source, slots,
                java.time.Instant.now().toString());
        Manifest.read(layout).withScoring(scoring).write(layout);
        LOG.info("scoring settings stored in {}: temperature {}, OOD threshold {} on the entropy ({}% of {} test rows "
                + "below it)", layout.manifest(), String.format("%.4f", t), String.format("%.4f", threshold),
                Math.round(tpr * 100), n);
    }

    /**
     * A set to predict: its chunks, cut on the driver from a set read there (IDX files, the digits CSV)
     * or by the executors from a table they read themselves, so no table is gathered on the driver.
     */
    record Input(String source, long size, JavaRDD<Chunk> chunks, int tasks) {}

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

    private static Input fromTable(SparkSession spark, String set, io.ensembles.config.SourceSpec s,
                                   TableReader.Target t, int rowsPerTask) {
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
        org.apache.spark.broadcast.Broadcast<ExampleSet> rows = jsc.broadcast(d);
        JavaRDD<Chunk> chunks = jsc.parallelize(firsts, firsts.size()).map(from -> {
            ExampleSet all = rows.value();
            return new Chunk(set, from, all.slice(from, Math.min(all.size(), from + rowsPerTask)));
        });
        return new Input(d.source(), d.size(), chunks, firsts.size());
    }

    /** The last segment of a folder URI: how reports name an ensemble. */
    public static String folderName(String uri) {
        String u = uri.replaceAll("/+$", "");
        return u.substring(u.lastIndexOf('/') + 1);
    }

    /** What each slot added to the training cost: a member's epochs; an MC pass after the first, nothing. */
    private static double[] spentOf(List<Slot> slots, List<MemberRecord> records) {
        double[] spent = new double[slots.size()];
        for (int s = 0; s < spent.length; s++) {
            Slot slot = slots.get(s);
            spent[s] = slot.pass() > 0 ? 0.0 : records.get(slot.record()).epochsSpent();
        }
        return spent;
    }

    /**
     * Every row of the report from the test blocks: the sums in one pass (with the first step of
     * every temperature search), one more pass per further Newton step of the slowest search and
     * one to score the fitted temperatures, and the narrowing passes of adaptive ECE.
     */
    private static EvaluationReport metrics(String name, List<String> ids, double[] spent, EnsembleConfig config,
                                            JavaRDD<Block> test, int n, int classes) {
        var ev = config.evaluation();
        List<int[]> subsetList = EvaluationReport.subsets(ids.size(), ev.randomOrders());
        int[][] subsets = subsetList.toArray(new int[0][]);
        TemperatureScaling.CrossValidation[] cv = new TemperatureScaling.CrossValidation[subsets.length];
        for (int s = 0; s < subsets.length; s++) {
            cv[s] = new TemperatureScaling.CrossValidation(classes, EvaluationReport.CALIBRATION_REPEATS,
                    EvaluationReport.CALIBRATION_SEED);
        }
        EnsembleStatistics base = null;
        // the first pass adds up the sums with the first step of every search; then a pass per step
        for (int pass = 0; ; pass++) {
            TemperatureScaling.Round[] rounds = TemperatureScaling.CrossValidation.next(cv);
            if (rounds == null) break;
            EnsembleStatistics proto = new EnsembleStatistics(classes, ev.eceBins(), ids.size(), subsets, pass == 0,
                    rounds);
            EnsembleStatistics sums = test.map(b -> proto.emptyCopy().addBlock(b.first(), b.labels(), b.probs()))
                    .treeReduce(EnsembleStatistics::merge);
            for (int s = 0; s < subsets.length; s++) if (rounds[s] != null) cv[s].finish(sums.round(s));
            if (pass == 0) base = sums;
        }
        double[] adaptive = AdaptiveEce.compute(test, subsets, classes, ev.eceBins(), n);
        Map<List<Integer>, Integer> index = new java.util.HashMap<>();
        for (int s = 0; s < subsets.length; s++) index.put(java.util.Arrays.stream(subsets[s]).boxed().toList(), s);
        EnsembleStatistics b = base;
        EvaluationReport report = EvaluationReport.assemble(name, ids, spent,
                config.budget().baseEpochs(config.training()), n, ev.randomOrders(), set -> {
                    int s = index.get(java.util.Arrays.stream(set).boxed().toList());
                    double acc = b.accuracy(s);
                    return EvaluationReport.measured(set.length, acc, b.nll(s), b.ece(s), adaptive[s], b.brier(s),
                            cv[s].result(1 - acc), b.disagreement(s), b.kl(s));
                });
        List<Integer> all = new ArrayList<>();
        for (int m = 0; m < ids.size(); m++) all.add(m);
        return report.withReliability(List.of(
                new EvaluationReport.Reliability(ids.get(0), b.reliability(index.get(List.of(0)))),
                new EvaluationReport.Reliability(EvaluationReport.reliabilityName(ids.size()),
                        b.reliability(index.get(all)))));
    }

    /** One task: every member's probabilities on a chunk (members from this executor's cache). */
    private static Block predict(Chunk ch, EnsembleLayout layout, List<MemberRecord> records, List<MemberRecord> units,
                                 int[] unitOf, List<Slot> slots, io.ensembles.data.Normalisation norm, int batch,
                                 int passes, int classes, int bins, boolean shift) throws IOException {
        ExampleSet d = ch.data();
        float[][] probs = new float[slots.size()][];
        double[] seconds = new double[slots.size()];
        List<MemberCache.Lease> leases = new ArrayList<>();
        Predictions pred = new Predictions(records, units, unitOf, slots, norm, batch, passes);
        try {
            for (MemberRecord r : units) {
                MemberCache.Lease l = MemberCache.lease(layout, r);
                leases.add(l);
                // a network new to this JVM pays native start-up on its first batch: warm it up untimed
                if (l.fresh()) Predictor.probabilities(l.net(), d.head(Math.min(batch, d.size())), norm, batch);
            }
            pred.all(d, ch.first(), leases, probs, seconds);
            ShiftEvaluation.Sums sums = null;
            if (shift) {
                sums = new ShiftEvaluation.Sums(classes, bins, slots.size());
                float[][] shifted = new float[slots.size()][];
                double[] ignored = new double[slots.size()];
                for (String c : Corruptions.NAMES) {
                    for (int sev = 1; sev <= 5; sev++) {
                        ExampleSet x = Corruptions.apply(d, c, sev, SHIFT_SEED, ch.first());
                        pred.all(x, ch.first(), leases, shifted, ignored);
                        sums.add(c, sev, d.labels(), shifted);
                    }
                }
            }
            return new Block(ch.set(), ch.first(), d.labels(), probs, seconds, sums);
        } finally {
            for (MemberCache.Lease l : leases) l.close();
        }
    }

    /** How a task turns the leased networks into every slot's probabilities. */
    record Predictions(List<MemberRecord> records, List<MemberRecord> units, int[] unitOf, List<Slot> slots,
                               io.ensembles.data.Normalisation norm, int batch, int passes) {
        /** Fills {@code probs[slot]} and {@code seconds[slot]}; {@code leases} are in the order of {@code units}. */
        void all(ExampleSet d, long first, List<MemberCache.Lease> leases, float[][] probs, double[] seconds) {
            for (int u = 0; u < units.size(); u++) {
                MemberRecord r = units.get(u);
                ComputationGraph net = leases.get(u).net();
                long t0 = System.nanoTime();
                if (io.ensembles.config.Method.MC_DROPOUT.is(r.method())) {
                    // masks seeded by the member and the task's first row: reproducible for the same
                    // rows-per-task, and for a set evaluated in one task the member's own seed
                    List<float[]> ps = McDropout.passes(net, d, norm, batch, passes, r.seed() + first * 1_000_003L);
                    double each = (System.nanoTime() - t0) / 1e9 / passes;
                    for (int s = 0; s < slots.size(); s++) {
                        if (unitOf[slots.get(s).record()] == u) {
                            probs[s] = ps.get(slots.get(s).pass());
                            seconds[s] = each;
                        }
                    }
                } else {
                    // one forward pass gives every head of a packed network (a plain one has one)
                    float[][] heads = Predictor.heads(net, d, norm, batch);
                    double each = (System.nanoTime() - t0) / 1e9 / heads.length;
                    for (int s = 0; s < slots.size(); s++) {
                        if (unitOf[slots.get(s).record()] == u) {
                            MemberRecord m = records.get(slots.get(s).record());
                            probs[s] = heads[m.packed() == null ? 0 : m.packed().head()];
                            seconds[s] = each;
                        }
                    }
                }
            }
        }
    }
}
