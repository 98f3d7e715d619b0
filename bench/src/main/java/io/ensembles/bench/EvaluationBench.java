package io.ensembles.bench;

import io.ensembles.evaluation.EvaluationOptions;
import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.train.NativeRuntime;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput and scaling of the evaluation job: for each number of members K and each test-set
 * size (the ensemble's test set replicated r times), one run of the real {@link EvaluateJob} on a
 * local Spark, with the phase times the job records in metrics.json. Prints one JSON line per run
 * and a Markdown table with predictions per second and each size's time against 1x.
 */
@Command(name = "evaluation-bench", mixinStandardHelpOptions = true,
        description = "Evaluation throughput for K members and a replicated test set")
public final class EvaluationBench implements Callable<Integer> {
    @Option(names = "--ensemble", required = true, paramLabel = "URI", description = "An ensemble with at least max(--members) members")
    String ensemble;

    @Option(names = "--members", split = ",", defaultValue = "1,5,10", description = "K values (default: ${DEFAULT-VALUE})")
    List<Integer> members;

    @Option(names = "--replicas", split = ",", defaultValue = "1,4,16", description = "Test-set sizes, as multiples of the test set (default: ${DEFAULT-VALUE})")
    List<Integer> replicas;

    @Option(names = "--master", defaultValue = "local[2]")
    String master;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Evaluation settings for every run (e.g. evaluation.random-orders=0)")
    Map<String, String> set = new LinkedHashMap<>();

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new EvaluationBench()).execute(args));
    }

    /** Writes {@code d} repeated {@code times} as uncompressed IDX files; returns their URIs. */
    static String[] replicate(ExampleSet d, int times, Path dir) throws Exception {
        Path images = dir.resolve("test-x" + times + "-images-idx3-ubyte");
        Path labels = dir.resolve("test-x" + times + "-labels-idx1-ubyte");
        int n = d.size() * times;
        byte[] px = new byte[d.size() * d.features()];
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < d.features(); p++) px[i * d.features() + p] = (byte) d.pixel(i, p);
        }
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(images)))) {
            o.writeInt(0x00000803);
            o.writeInt(n);
            o.writeInt(d.shape().height());
            o.writeInt(d.shape().width());
            for (int t = 0; t < times; t++) o.write(px);
        }
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(labels)))) {
            o.writeInt(0x00000801);
            o.writeInt(n);
            for (int t = 0; t < times; t++) for (int y : d.labels()) o.writeByte(y);
        }
        return new String[] {images.toUri().toString(), labels.toUri().toString()};
    }

    @Override
    public Integer call() throws Exception {
        String uri = Fs.qualify(ensemble);
        EnsembleLayout layout = new EnsembleLayout(uri);
        Manifest manifest = Manifest.read(layout);
        int have = manifest.completedMembers().size();
        int most = members.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (have < most) {
            throw new IllegalArgumentException(uri + " has " + have + " completed members; --members asks for " + most);
        }
        // the whole test set of the ensemble's data, replicated
        EnsembleConfig cfg = manifest.configuration(Map.of("data.test-limit", 0));
        ExampleSet test = DataLoader.test(cfg.data(), manifest.shape());
        Path dir = Files.createTempDirectory("evaluation-bench");
        Map<Integer, String[]> files = new LinkedHashMap<>();
        for (int r : replicas) files.put(r, replicate(test, r, dir));

        SparkSession spark = Samples.spark(master, "evaluation-bench");
        List<Map<String, Object>> runs = new ArrayList<>();
        try {
            // one untimed run first: native libraries, JIT and the member cache warm up as on a busy cluster
            EvaluateJob.run(spark, uri, options(1, files.get(replicas.get(0))));
            for (int k : members) {
                for (int r : replicas) {
                    long t0 = System.nanoTime();
                    EvaluateJob.run(spark, uri, options(k, files.get(r)));
                    double wall = (System.nanoTime() - t0) / 1e9;
                    JsonNode m = Json.MAPPER.readTree(Fs.readString(layout.metrics()));
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("members", k);
                    run.put("replicas", r);
                    run.put("examples", m.path("testExamples").asInt());
                    run.put("wallSeconds", wall);
                    m.path("timings").fields().forEachRemaining(e -> run.put(e.getKey(), e.getValue().asDouble()));
                    run.put("tasks", m.path("tasks").path("test").asInt());
                    System.out.println(Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(run));
                    runs.add(run);
                }
            }
        } finally {
            spark.stop();
            for (String[] f : files.values()) for (String u : f) Files.deleteIfExists(Path.of(java.net.URI.create(u)));
            Files.deleteIfExists(dir);
        }
        printTable(runs);
        return 0;
    }

    /** The runs as a Markdown table, each total against the same K on the 1x set. */
    private void printTable(List<Map<String, Object>> runs) {
        System.out.println();
        System.out.println("| K | test examples | tasks | predict s | examples/s | member predictions/s | Parquet s "
                + "| metrics s | total s | total vs 1x |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Map<String, Object> run : runs) {
            int k = (Integer) run.get("members");
            double base = runs.stream().filter(x -> x.get("members").equals(k)
                    && x.get("replicas").equals(replicas.get(0))).mapToDouble(x -> (Double) x.get("totalSeconds"))
                    .findFirst().orElse(Double.NaN);
            int n = (Integer) run.get("examples");
            double predict = (Double) run.getOrDefault("predictSeconds", Double.NaN);
            System.out.printf("| %d | %,d | %d | %.1f | %,.0f | %,.0f | %.1f | %.1f | %.1f | %.2fx |%n", k, n,
                    (Integer) run.get("tasks"), predict, n / predict, n * (double) k / predict,
                    (Double) run.getOrDefault("parquetSeconds", Double.NaN),
                    (Double) run.getOrDefault("metricsSeconds", Double.NaN), (Double) run.get("totalSeconds"),
                    (Double) run.get("totalSeconds") / base);
        }
    }

    private EvaluationOptions options(int k, String[] testFiles) {
        Map<String, Object> s = new LinkedHashMap<>(set);
        s.put("evaluation.max-members", k);
        s.put("data.test-images", testFiles[0]);
        s.put("data.test-labels", testFiles[1]);
        return EvaluationOptions.defaults().testLimit(0).settings(s);
    }
}
