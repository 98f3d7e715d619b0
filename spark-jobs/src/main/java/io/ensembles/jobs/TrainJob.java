package io.ensembles.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.TrainingData;
import io.ensembles.sources.Inputs;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.IntegrityException;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import io.ensembles.train.MemberSpec;
import io.ensembles.util.BuildInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a deep ensemble: K independent members, one Spark task each (no barrier, no parameter
 * averaging), then writes {@code manifest.json}. With {@code training.data-parallel} the members
 * (or packed networks) train one after the other instead, each across all executors with
 * parameter averaging ({@link DataParallelRun}). The training data is broadcast once; each task
 * uses {@code spark.task.cpus} native threads. Re-running on the same folder with the same
 * configuration keeps the members already complete and resumes the others from their checkpoints.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    private TrainJob() {}

    public static Manifest run(SparkSession spark, EnsembleConfig config, String out) throws IOException {
        return run(spark, config, out, null);
    }

    /**
     * Trains into {@code out}; with a {@code warmStart}, members without a checkpoint start from its
     * weights instead of a fresh initialisation (retraining).
     */
    public static Manifest run(SparkSession spark, EnsembleConfig config, String out,
                               io.ensembles.train.WarmStart warmStart) throws IOException {
        long start = System.nanoTime();
        ExecutorMemoryPeaks.resetDriverPeak();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        checkOutputFolder(layout, Json.MAPPER.readTree(config.rendered()));
        String runId = java.util.UUID.randomUUID().toString();
        String staging = stagingFolder(layout, runId);
        Inputs.Training read = null;
        try {
            read = Inputs.forMembers(spark, config, baggingSeeds(config), SparkSupport.hadoopSettings(spark), staging,
                    runId);
            return train(spark, config, out, warmStart, read, start);
        } finally {
            if (Fs.exists(staging)) Fs.delete(staging, true);
            if (read != null && read.stream() != null) {
                io.ensembles.sources.StreamPlanner.removeLocalCopies(spark, runId, read.stream().source());
            }
        }
    }

    /**
     * The job's staging folder, beside the output folder and hidden: a table's Parquet copy when it
     * cannot be streamed as it is, and the decoded validation rows. Removed when the job ends; a
     * killed driver leaves it behind (a re-run makes its own).
     */
    static String stagingFolder(EnsembleLayout layout, String runId) {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(layout.root());
        return new org.apache.hadoop.fs.Path(root.getParent(), "." + root.getName() + ".staging-" + runId).toString();
    }

    /** The seeds of the members that bag (their bootstrap sizes are counted in the pass over a streamed table). */
    static long[] baggingSeeds(EnsembleConfig config) {
        return specs(config).stream().filter(MemberSpec::bagging).mapToLong(MemberSpec::seed).toArray();
    }

    /**
     * Trains on {@code data} (already read and split; {@code input} describes it for the manifest) into
     * {@code out}. {@code testExamples} is recorded (0 when no test set was read, as from a DataFrame).
     */
    public static Manifest train(SparkSession spark, EnsembleConfig config, String out,
                                 io.ensembles.train.WarmStart warmStart, TrainingData data, Manifest.Input input,
                                 int testExamples, long start) throws IOException {
        return train(spark, config, out, warmStart, new Inputs.Training(data, input, testExamples), start);
    }

    /** Trains on {@code read}: a set in memory, broadcast to the tasks, or a table they stream. */
    static Manifest train(SparkSession spark, EnsembleConfig config, String out, io.ensembles.train.WarmStart warmStart,
                          Inputs.Training read, long start) throws IOException {
        TrainingData data = read.data();
        Manifest.Input input = read.input();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        JsonNode configJson = Json.MAPPER.readTree(config.rendered());
        checkOutputFolder(layout, configJson);
        Fs.mkdirs(layout.membersDir()); // only now: bad data leaves nothing behind

        int k = config.ensemble().members();
        List<MemberSpec> specs = specs(config);
        int tasks = specs.size();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int threads = SparkSupport.taskCpus(spark);
        boolean dataParallel = config.training().dataParallel();
        int workers = config.snapshot().workers() > 0 ? config.snapshot().workers() : jsc.defaultParallelism();
        DataParallelRun.Trace trace = new DataParallelRun.Trace(new ArrayList<>(), new ArrayList<>());
        List<MemberRecord> records = new ArrayList<>();
        ExecutorMemoryPeaks memory = new ExecutorMemoryPeaks();
        spark.sparkContext().addSparkListener(memory);
        String what = tasks == k ? k + " members" : k + " members packed in " + tasks + " network(s) of "
                + specs.get(0).packing();
        jsc.setJobGroup("train-" + config.ensemble().name(), "Train " + what + " of ensemble '"
                + config.ensemble().name() + "' (" + config.training().epochs() + " epochs each"
                + (dataParallel ? ", data-parallel" : "") + ")", false);
        try {
            List<MemberRecord> trained = new ArrayList<>();
            if (dataParallel) {
                LOG.info("training {} one after the other, each data-parallel over {} workers (averaging every {} "
                        + "minibatches), into {}", what, workers, config.snapshot().averagingFrequency(), layout.root());
                for (MemberSpec spec : specs) {
                    trained.add(DataParallelRun.trainMember(jsc, config, layout, read, spec, workers, trace,
                            warmStart));
                }
            } else {
                Broadcast<TrainingData> bData = data != null ? jsc.broadcast(data) : null;
                MemberTask task = new MemberTask(config, layout.root(), bData, read.stream(),
                        SparkSupport.hadoopSettings(spark), threads, warmStart);
                LOG.info("training {}, one task each, {} thread(s) per task, on {} data, into {}", what, threads,
                        read.stream() != null ? "streamed" : "broadcast", layout.root());
                try (ProgressMonitor ignored = new ProgressMonitor(layout, specs.stream().map(MemberSpec::id).toList(),
                        2000)) {
                    trained.addAll(jsc.parallelize(specs, tasks).map(task).collect());
                } finally {
                    if (bData != null) bData.destroy();
                }
            }
            for (MemberRecord r : trained) {
                // a packed network is M members of the ensemble, each read from its own head
                records.addAll(r.packed() == null ? List.of(r)
                        : r.packedMembers(r.index() * r.packed().heads(), MemberSpec::idOf));
            }
        } finally {
            jsc.clearJobGroup();
            spark.sparkContext().removeSparkListener(memory);
        }
        records.sort(Comparator.comparingInt(MemberRecord::index));

        Map<String, Object> dataInfo = dataInfo(config, read);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("master", spark.sparkContext().master());
        run.put("applicationId", spark.sparkContext().applicationId());
        run.put("taskCpus", threads);
        run.put("wallSeconds", (System.nanoTime() - start) / 1e9);
        run.put("executorPeakMemoryMiB", memory.peaksMiB());
        run.put("driverPeakHeapMiB", ExecutorMemoryPeaks.driverPeakHeapMiB());
        run.put("driverPeakLiveHeapMiB", ExecutorMemoryPeaks.driverPeakLiveHeapMiB());
        run.put("budget", budget(config, records));
        run.put("mode", dataParallel ? "data-parallel" : "member-parallel");
        if (warmStart != null) run.put("warmStartFrom", warmStart.describe());
        if (dataParallel) {
            run.put("workers", workers);
            run.put("averagingFrequency", config.snapshot().averagingFrequency());
            run.put("rounds", trace.rounds());
            run.put("workerRates", DataParallelRun.rateCheck(trace, config, read.trainExamples(), workers));
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, config.ensemble().name(), config.ensemble().method().id(),
                Instant.now().toString(), BuildInfo.codeVersion(), input, dataInfo, run, records, configJson, null);
        manifest.write(layout);
        long failed = records.stream().filter(r -> !r.completed()).count();
        LOG.info("wrote {} ({} members completed, {} failed or collapsed) in {} s", layout.manifest(), k - failed,
                failed, String.format("%.1f", (System.nanoTime() - start) / 1e9));
        for (MemberRecord r : records) {
            if (!r.completed()) LOG.warn("member {} {}: {}", r.id(), r.status(), r.failureReason());
        }
        return manifest;
    }

    /** What the tasks train: K members, or K / M packed networks of M members each. */
    static List<MemberSpec> specs(EnsembleConfig config) {
        List<MemberSpec> specs = new ArrayList<>();
        var e = config.ensemble();
        if (e.method() == io.ensembles.config.Method.PACKED) {
            // network n is seeded like member n * M would be: its heads' ids follow on from there
            io.ensembles.config.Packing packing = config.packed().packing(e);
            for (int n = 0; n < config.packed().networks(e); n++) {
                specs.add(new MemberSpec(n, MemberSpec.packedIdOf(n), config.model().architectureOf(n),
                        e.memberSeed(n * packing.heads()), e.bagging(), packing));
            }
            return specs;
        }
        for (int i = 0; i < e.members(); i++) {
            specs.add(new MemberSpec(i, MemberSpec.idOf(i), config.model().architectureOf(i), e.memberSeed(i),
                    e.bagging()));
        }
        return specs;
    }

    static Map<String, Object> dataInfo(EnsembleConfig config, Inputs.Training read) {
        Map<String, Object> dataInfo = new LinkedHashMap<>();
        dataInfo.put("trainImages", read.input().path());
        dataInfo.put("trainExamples", read.trainExamples());
        dataInfo.put("validationExamples", read.validationExamples());
        dataInfo.put("testImages", config.data().test().configured() ? config.data().test().path()
                : config.data().testImages());
        dataInfo.put("testExamples", read.testExamples());
        dataInfo.put("path", read.stream() != null ? "streamed" : "broadcast");
        if (read.stream() != null) {
            var d = config.data().streaming();
            dataInfo.put("units", read.stream().units().size());
            dataInfo.put("shuffleBuffer", d.shuffleBuffer());
            dataInfo.put("localCache", d.localCache());
        }
        return dataInfo;
    }

    /** The training cost in epochs and in units of B (budget.base-epochs). */
    static Map<String, Object> budget(EnsembleConfig config, List<MemberRecord> records) {
        double spent = records.stream().filter(MemberRecord::completed).mapToDouble(MemberRecord::epochsSpent).sum();
        int base = config.budget().baseEpochs(config.training());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("baseEpochs", base);
        b.put("epochsSpent", spent);
        b.put("budgets", spent / base);
        return b;
    }

    /** An existing manifest must describe the same configuration; anything else is another ensemble. */
    static void checkOutputFolder(EnsembleLayout layout, JsonNode configJson) throws IOException {
        if (!Fs.exists(layout.manifest())) return;
        Manifest old;
        try {
            old = Manifest.read(layout);
        } catch (IntegrityException e) {
            throw new IntegrityException("output folder " + layout.root() + " holds an unreadable manifest; "
                    + "choose another --out (" + e.getMessage() + ")");
        }
        if (!configJson.equals(old.config())) {
            throw new IntegrityException("output folder " + layout.root() + " already holds ensemble '" + old.name()
                    + "' made with a different configuration; choose another --out");
        }
        LOG.info("{} already holds this ensemble: complete members are kept, the others are (re)trained",
                layout.root());
    }
}
