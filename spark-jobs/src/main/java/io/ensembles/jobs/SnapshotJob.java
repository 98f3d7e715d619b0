package io.ensembles.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.sources.Inputs;
import io.ensembles.data.TrainingData;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
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
 * Trains one run under a snapshot method (SSE, FGE, NoCycle) and stores every capture as an
 * ensemble member, then writes {@code manifest.json}. The driver chooses where the run trains
 * ({@code snapshot.mode}): in one Spark task, or data-parallel over all executors with the driver
 * keeping the schedule. Re-running on the same folder keeps stored snapshots and resumes the run
 * from its newest epoch checkpoint.
 */
public final class SnapshotJob {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotJob.class);

    private SnapshotJob() {}

    /** The mode {@code snapshot.mode} resolves to for this data and application. */
    public static String resolveMode(EnsembleConfig config, int trainExamples, int taskSlots) {
        String m = config.snapshot().mode();
        if (!m.equals("auto")) return m;
        return trainExamples >= config.snapshot().dataParallelMinExamples() && taskSlots >= 2
                ? "data-parallel" : "single-task";
    }

    public static Manifest run(SparkSession spark, EnsembleConfig config, String out) throws IOException {
        long start = System.nanoTime();
        io.ensembles.config.Method method = config.ensemble().method();
        if (!method.oneRun()) {
            throw new IllegalArgumentException("the snapshot job trains " + io.ensembles.config.Method.idsOf("snapshot")
                    + ", not '" + method + "'");
        }
        ExecutorMemoryPeaks.resetDriverPeak();
        Fs.configure(spark.sparkContext().hadoopConfiguration());
        EnsembleLayout layout = new EnsembleLayout(Fs.qualify(out));
        JsonNode configJson = Json.MAPPER.readTree(config.rendered());
        TrainJob.checkOutputFolder(layout, configJson);

        Inputs.Training read = Inputs.forTraining(spark, config);
        TrainingData data = read.data();
        Manifest.Input input = read.input();
        int testExamples = read.testExamples();
        Fs.mkdirs(layout.membersDir()); // only now: bad data leaves nothing behind

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slots = jsc.defaultParallelism();
        String mode = resolveMode(config, data.train().size(), slots);
        int workers = config.snapshot().workers() > 0 ? config.snapshot().workers() : slots;
        MemberSpec run = new MemberSpec(0, SnapshotTask.RUN_ID, config.model().architectureOf(0),
                config.ensemble().memberSeed(0), config.ensemble().bagging());
        int threads = SparkSupport.taskCpus(spark);
        ExecutorMemoryPeaks memory = new ExecutorMemoryPeaks();
        spark.sparkContext().addSparkListener(memory);
        DataParallelRun.Trace trace = new DataParallelRun.Trace(new ArrayList<>(), new ArrayList<>());
        List<MemberRecord> records;
        jsc.setJobGroup("snapshot-" + config.ensemble().name(), method + " run of ensemble '"
                + config.ensemble().name() + "' (" + config.training().epochs() + " epochs, " + mode + ")", false);
        announce(config, layout, mode, slots, data.train().size());
        try {
            records = mode.equals("data-parallel")
                    ? DataParallelRun.train(jsc, config, layout, data, run, workers, trace)
                    : inOneTask(spark, jsc, config, layout, data, run, threads);
        } finally {
            jsc.clearJobGroup();
            spark.sparkContext().removeSparkListener(memory);
        }
        records = new ArrayList<>(records);
        records.sort(Comparator.comparingInt(MemberRecord::index));

        Map<String, Object> runInfo = runInfo(spark, config, mode, threads, start, memory, records);
        if (mode.equals("data-parallel")) {
            runInfo.put("workers", workers);
            runInfo.put("averagingFrequency", config.snapshot().averagingFrequency());
            runInfo.put("rounds", trace.rounds());
            runInfo.put("workerRates", DataParallelRun.rateCheck(trace, config, data.train().size(), workers));
        }
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, config.ensemble().name(), method.id(),
                Instant.now().toString(), BuildInfo.codeVersion(), input,
                TrainJob.dataInfo(config, new Inputs.Training(data, input, testExamples)), runInfo, records, configJson, null);
        manifest.write(layout);
        long ok = records.stream().filter(MemberRecord::completed).count();
        LOG.info("wrote {} ({} snapshots stored, {} missing) in {} s", layout.manifest(), ok, records.size() - ok,
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return manifest;
    }

    /** The run in one Spark task, its training set broadcast. */
    private static List<MemberRecord> inOneTask(SparkSession spark, JavaSparkContext jsc, EnsembleConfig config,
                                                EnsembleLayout layout, TrainingData data, MemberSpec run, int threads) {
        Broadcast<TrainingData> bData = jsc.broadcast(data);
        SnapshotTask task = new SnapshotTask(config, layout.root(), bData, SparkSupport.hadoopSettings(spark), threads);
        try (ProgressMonitor ignored = new ProgressMonitor(layout, List.of(SnapshotTask.RUN_ID), 2000)) {
            return new ArrayList<>(jsc.parallelize(List.of(run), 1).map(task).collect().get(0));
        } finally {
            bData.destroy();
        }
    }

    /** What the manifest records of the run: where and how it ran, its time, memory and budget. */
    private static Map<String, Object> runInfo(SparkSession spark, EnsembleConfig config, String mode, int threads,
                                               long start, ExecutorMemoryPeaks memory, List<MemberRecord> records) {
        Map<String, Object> runInfo = new LinkedHashMap<>();
        runInfo.put("master", spark.sparkContext().master());
        runInfo.put("applicationId", spark.sparkContext().applicationId());
        runInfo.put("mode", mode);
        runInfo.put("taskCpus", threads);
        runInfo.put("wallSeconds", (System.nanoTime() - start) / 1e9);
        runInfo.put("executorPeakMemoryMiB", memory.peaksMiB());
        runInfo.put("driverPeakHeapMiB", ExecutorMemoryPeaks.driverPeakHeapMiB());
        runInfo.put("driverPeakLiveHeapMiB", ExecutorMemoryPeaks.driverPeakLiveHeapMiB());
        runInfo.put("budget", TrainJob.budget(config, records));
        return runInfo;
    }

    private static void announce(EnsembleConfig config, EnsembleLayout layout, String mode, int slots, int examples) {
        LOG.info("{} run of '{}' into {}: mode {} ({} task slots, {} training examples; snapshot.mode = {})",
                config.ensemble().method(), config.ensemble().name(), layout.root(), mode, slots, examples,
                config.snapshot().mode());
        if (config.training().keepCheckpoints()) {
            LOG.warn("training.keep-checkpoints has no effect here: it is for 'train' members; this run's snapshots "
                    + "are its trajectory");
        }
    }
}
