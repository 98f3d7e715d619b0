package io.ensembles.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import io.ensembles.config.Packing;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.NativeRuntime;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.schedule.FixedSchedule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The cost side of Packed-Ensembles against a single model and a deep ensemble of M models of the
 * same architecture: parameters, forward multiply-adds, training memory (DL4J's own estimate, and
 * the peak resident memory measured while training), training images per second and inference
 * time per 1000 images, on one thread, with ratios against the single model and the deep ensemble
 * measured in the same run. Every configuration runs in a fresh JVM, so that the native memory one
 * leaves behind (DL4J's workspaces) does not count for the next. Prints one JSON line per
 * configuration, then a Markdown table.
 */
@Command(name = "packed-bench", mixinStandardHelpOptions = true,
        description = "Cost of single model vs deep ensemble vs Packed-Ensembles (one thread, fresh JVM each).")
public final class PackedBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The suffix of a packed configuration measured in the path-per-group layout. */
    private static final String PATHS = ":paths";

    @Option(names = "--arch", defaultValue = "resnet", description = "Architecture (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--packed", paramLabel = "ALPHA,GAMMA,M", defaultValue = "2,2,4",
            description = "Packed configurations, repeatable (default: ${DEFAULT-VALUE})")
    List<String> packed;

    @Option(names = "--members", defaultValue = "4", description = "Members of the deep ensemble (default: ${DEFAULT-VALUE})")
    int members;

    @Option(names = "--paths", description = "Also measure every packed configuration in the path-per-group layout "
            + "(how packed networks were built before the grouped layers)")
    boolean paths;

    @Mixin
    Timing timing = new Timing();

    @Option(names = "--one", hidden = true, description = "Measure one configuration in this JVM (single, deep or A,G,M)")
    String one;

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new PackedBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (Architecture.byName(arch) == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "invalid value for --arch: " + arch
                    + " (expected one of " + Architecture.names() + ")");
        }
        for (String p : packed) parsePacking(p);
        if (one != null) {
            if (one.endsWith(PATHS)) parsePacking(one.substring(0, one.length() - PATHS.length()));
            System.out.println(JSON.writeValueAsString(measure(one)));
            return 0;
        }
        List<String> configs = new ArrayList<>(List.of("single", "deep"));
        for (String p : packed) {
            configs.add(p);
            if (paths) configs.add(p + PATHS);
        }
        List<JsonNode> rows = new ArrayList<>();
        for (String c : configs) {
            System.err.println("[packed-bench] " + c + " ...");
            JsonNode row = child(c);
            System.out.println(JSON.writeValueAsString(row));
            rows.add(row);
        }
        System.out.println();
        System.out.println(table(rows));
        return 0;
    }

    private Packing parsePacking(String p) {
        String[] f = p.split(",");
        try {
            if (f.length != 3) throw new NumberFormatException();
            return new Packing(Double.parseDouble(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "invalid value for --packed: " + p
                    + " (expected ALPHA,GAMMA,M with alpha > 0, gamma >= 1, M >= 1, e.g. 2,2,4)");
        }
    }

    /** Runs {@code --one config} in a new JVM with this JVM's options and class path; returns its JSON line. */
    private JsonNode child(String config) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + "/bin/java");
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PackedBench.class.getName());
        cmd.addAll(List.of("--arch", arch, "--members", String.valueOf(members), "--one", config));
        cmd.addAll(timing.args());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) if (line.startsWith("{")) last = line;
        }
        int code = p.waitFor();
        if (code != 0 || last == null) throw new IllegalStateException("measuring " + config + " failed (exit " + code + ")");
        return JSON.readTree(last);
    }

    /** One configuration: single (one plain model), deep (M plain models, one after the other) or packed. */
    private Map<String, Object> measure(String config) {
        NativeRuntime.limitThreads(1);
        EnsembleConfig cfg = EnsembleConfig.from(com.typesafe.config.ConfigFactory.empty(), new LinkedHashMap<>(timing.set));
        Architecture a = Architecture.byName(arch);
        Packing.Layout layout = config.endsWith(PATHS) ? Packing.Layout.PATHS : Packing.Layout.GROUPED;
        String plain = config.endsWith(PATHS) ? config.substring(0, config.length() - PATHS.length()) : config;
        Packing packing = plain.equals("single") || plain.equals("deep") ? null : parsePacking(plain);
        int copies = config.equals("deep") ? members : 1;
        InputType in = a == Architecture.MLP ? InputType.feedForward(784) : InputType.convolutionalFlat(28, 28, 1);
        List<ComputationGraph> nets = new ArrayList<>();
        long params = 0;
        long macs = 0;
        long estimate = 0;
        for (int i = 0; i < copies; i++) {
            ComputationGraphConfiguration conf = ModelFactory.configuration(a, cfg.model(), packing, layout,
                    io.ensembles.data.InputShape.image(1, 28, 28), 10, 1 + i,
                    new ModelFactory.Optimizer(new FixedSchedule(0.05), 0.9, 1e-4));
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            nets.add(net);
            params += net.numParams();
            macs += Flops.forwardMacs(conf, in);
            // per network: the members of a deep ensemble train one at a time or on separate executors
            estimate = Math.max(estimate, conf.getMemoryReport(in).getTotalMemoryBytes(timing.batch, MemoryUseMode.TRAINING,
                    CacheMode.NONE, DataType.FLOAT));
        }
        DataSet train = Timing.randomBatch(timing.batch);
        INDArray x = Timing.randomBatch(timing.inferenceBatch).getFeatures();
        // training memory is measured on the first network alone, as it would run in its own task:
        // the kernel's peak resident size, reset just before (the Java heap is fixed and pre-touched
        // by submit/bench-packed, so what grows is native memory: DL4J's workspaces and buffers)
        long baseline = ResidentMemory.resetPeak();
        for (int i = 0; i < timing.warmup; i++) MemberTrainer.fit(nets.get(0), train);
        long trainingPeak = ResidentMemory.peak() - baseline;
        double trainIps = timing.rate(timing.batch, () -> {
            for (ComputationGraph n : nets) MemberTrainer.fit(n, train);
        });
        double inferIps = timing.rate(timing.inferenceBatch, () -> {
            for (ComputationGraph n : nets) n.output(false, x);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", arch);
        m.put("config", config);
        m.put("label", config.equals("single") ? "single model" : config.equals("deep")
                ? "deep ensemble, M = " + members : "packed " + packing + (layout == Packing.Layout.PATHS
                ? ", paths one after another" : ", grouped layers"));
        m.put("members", config.equals("single") ? 1 : config.equals("deep") ? members : packing.heads());
        m.put("parameters", params);
        m.put("forwardMacs", macs);
        m.put("trainingMemoryEstimateMiB", Timing.round(estimate / 1048576.0));
        m.put("trainingPeakMiB", Timing.round(trainingPeak / 1048576.0));
        m.put("trainImagesPerSecond", Timing.round(trainIps));
        m.put("inferenceSecondsPer1000", Math.round(1e9 / inferIps) / 1e6); // microsecond resolution: the MLP takes ~6 ms
        m.put("batch", timing.batch);
        m.put("threads", 1);
        return m;
    }

    /** Markdown: every configuration with its ratios to the single model and to the deep ensemble. */
    static String table(List<JsonNode> rows) {
        JsonNode single = rows.get(0);
        JsonNode deep = rows.get(1);
        StringBuilder sb = new StringBuilder();
        sb.append("| configuration | members | parameters | x single | x DE | forward MMACs | training memory, "
                + "DL4J estimate MiB | measured peak MiB | train img/s | x single time | x DE time | inference s/1000 "
                + "| x single time | x DE time |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (JsonNode r : rows) {
            double p = r.path("parameters").asDouble();
            double train = r.path("trainImagesPerSecond").asDouble();
            double infer = r.path("inferenceSecondsPer1000").asDouble();
            sb.append(String.format("| %s | %d | %,d | %.2f | %.2f | %.1f | %.1f | %.1f | %.0f | %.2f | %.2f | %.4f | %.2f | %.2f |%n",
                    r.path("label").asText(), r.path("members").asInt(), r.path("parameters").asLong(),
                    p / single.path("parameters").asDouble(), p / deep.path("parameters").asDouble(),
                    r.path("forwardMacs").asDouble() / 1e6, r.path("trainingMemoryEstimateMiB").asDouble(),
                    r.path("trainingPeakMiB").asDouble(), train,
                    single.path("trainImagesPerSecond").asDouble() / train,
                    deep.path("trainImagesPerSecond").asDouble() / train,
                    infer, infer / single.path("inferenceSecondsPer1000").asDouble(),
                    infer / deep.path("inferenceSecondsPer1000").asDouble()));
        }
        return sb.toString();
    }
}
