package io.ensembles.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.Batches;
import io.ensembles.data.DataLoader;
import io.ensembles.data.TrainingData;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.NativeRuntime;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The baseline for member-parallel training: the same K members trained one after another, each
 * data-parallel over all task slots with DL4J's parameter averaging ({@code dl4j-spark3}
 * {@code SparkComputationGraph} + {@code ParameterAveragingTrainingMaster}). Prints one JSON line
 * with the wall time (data loading included, as in the training job's) and each member's
 * validation accuracy, to show the members really trained.
 */
@Command(name = "averaging-bench", mixinStandardHelpOptions = true,
        description = "Train K members one at a time with DL4J's Spark parameter averaging; print the wall time.")
public final class ParameterAveragingBench implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Job configuration, as for train")
    File config;

    @Option(names = "--members", defaultValue = "2")
    int members;

    @Option(names = "--epochs", defaultValue = "2")
    int epochs;

    @Option(names = "--limit", defaultValue = "10000")
    int limit;

    @Option(names = "--master", defaultValue = "local[2]")
    String master;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "Minibatches each worker fits between averagings (default: ${DEFAULT-VALUE})")
    int averagingFrequency;

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new ParameterAveragingBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("ensemble.members", members);
        overrides.put("training.epochs", epochs);
        overrides.put("data.limit", limit);
        EnsembleConfig cfg = EnsembleConfig.load(config, overrides);
        TrainingData data = DataLoader.training(cfg.data());
        int batch = cfg.training().batchSize();
        SparkConf conf = new SparkConf().setMaster(master).setAppName("parameter-averaging-bench")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false").set("spark.task.cpus", "1");
        List<Double> accuracies = new ArrayList<>();
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            int slots = jsc.defaultParallelism();
            for (int k = 0; k < members; k++) {
                MemberSpec spec = new MemberSpec(k, MemberSpec.idOf(k), cfg.model().architectureOf(k),
                        cfg.ensemble().memberSeed(k), false);
                // Minibatches in the member's own order, spread over the task slots.
                int[] order = TrainingData.permutation(data.train().size(), new Random(spec.seed() * 31));
                List<DataSet> batches = new ArrayList<>();
                for (int from = 0; from < data.train().size(); from += batch) {
                    batches.add(Batches.batch(data.train(), order, from, Math.min(data.train().size(), from + batch),
                            data.normalisation()));
                }
                JavaRDD<DataSet> rdd = jsc.parallelize(batches, slots).cache();
                ComputationGraph net = new MemberTrainer(cfg).newNetwork(spec, data.train());
                ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(batch)
                        .batchSizePerWorker(batch).averagingFrequency(averagingFrequency)
                        .workerPrefetchNumBatches(0).collectTrainingStats(false).build();
                SparkComputationGraph sparkNet = new SparkComputationGraph(jsc, net, tm);
                for (int e = 0; e < epochs; e++) sparkNet.fit(rdd);
                float[] p = Predictor.probabilities(sparkNet.getNetwork(), data.validation(), data.normalisation(), 500);
                accuracies.add(ClassificationMetrics.accuracy(p, data.validation().labels(), data.validation().classes()));
                rdd.unpersist();
                tm.deleteTempFiles(jsc);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "averaging");
        out.put("members", members);
        out.put("epochs", epochs);
        out.put("master", master);
        out.put("seconds", (System.nanoTime() - start) / 1e9);
        out.put("validationAccuracy", accuracies);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}
