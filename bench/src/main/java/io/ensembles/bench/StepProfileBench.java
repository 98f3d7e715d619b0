package io.ensembles.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.InputShape;
import io.ensembles.data.TrainingData;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import io.ensembles.train.InMemorySource;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.NativeRuntime;
import io.ensembles.train.TrainingSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.schedule.FixedSchedule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where one training step's time goes, per architecture, on the throughput bench's batches and
 * optimiser (one thread unless OMP_NUM_THREADS says otherwise): the forward pass in training mode,
 * the backward pass (forward + gradients, minus the forward), the updater and the rest of
 * {@code fit} (the whole step minus forward and backward), and the data pipeline's cost of one
 * batch (the in-memory source's epoch over a set of the same shape, normalised and shuffled as in
 * training). Then ND4J's op profiler over a number of whole steps: the ops that take the most time.
 * Each phase is the median of the repeats. Prints one JSON line per architecture, then a table.
 */
@Command(name = "step-profile", mixinStandardHelpOptions = true,
        description = "Where a training step's time goes: forward, backward, updater and rest, data; top ND4J ops.")
public final class StepProfileBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--archs", split = ",", defaultValue = "mlp,cnn,resnet", description = "Architectures (default: ${DEFAULT-VALUE})")
    List<String> archs;

    @Option(names = "--profiled-steps", defaultValue = "30", description = "Steps under ND4J's op profiler (default: ${DEFAULT-VALUE})")
    int profiledSteps;

    @Option(names = "--top", defaultValue = "6", description = "Ops listed per architecture (default: ${DEFAULT-VALUE})")
    int top;

    @Mixin
    Timing timing = new Timing();

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new StepProfileBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int threads = ThroughputBench.threads();
        NativeRuntime.limitThreads(threads);
        EnsembleConfig cfg = EnsembleConfig.from(com.typesafe.config.ConfigFactory.empty(), new LinkedHashMap<>(timing.set));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String name : archs) {
            Architecture arch = Architecture.byName(name);
            if (arch == null) throw new CommandLine.ParameterException(new CommandLine(this), "unknown architecture " + name);
            ComputationGraph net = ModelFactory.build(arch, cfg.model(), InputShape.image(1, 28, 28), 10, 1,
                    new ModelFactory.Optimizer(new FixedSchedule(0.05), 0.9, 1e-4));
            DataSet ds = Timing.randomBatch(timing.batch);
            double step = msPerStep(() -> net.fit(ds));
            double forward = msPerStep(() -> net.output(true, ds.getFeatures()));
            double gradients = msPerStep(() -> {
                net.setInputs(ds.getFeatures());
                net.setLabels(ds.getLabels());
                net.computeGradientAndScore();
            });
            double data = dataMsPerBatch(cfg, arch);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("arch", name);
            m.put("threads", threads);
            m.put("batch", timing.batch);
            m.put("stepMs", Timing.round(step));
            m.put("forwardMs", Timing.round(forward));
            m.put("backwardMs", Timing.round(gradients - forward));
            m.put("updaterAndRestMs", Timing.round(step - gradients));
            m.put("dataMs", Timing.round(data));
            m.put("topOps", topOps(() -> net.fit(ds)));
            System.out.println(JSON.writeValueAsString(m));
            rows.add(m);
        }
        System.out.println();
        System.out.println(table(rows));
        return 0;
    }

    /** Median milliseconds of one call of {@code step}, over the repeats, after the warm-up. */
    private double msPerStep(Runnable step) {
        return 1000.0 / timing.rate(1, step);
    }

    /** Milliseconds per training batch of the in-memory source (10,000 random 28x28 grey images, as training reads them). */
    private double dataMsPerBatch(EnsembleConfig cfg, Architecture arch) {
        int n = 10_000;
        byte[] pixels = new byte[n * 784];
        new java.util.Random(1).nextBytes(pixels);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % 10;
        TrainingData data = TrainingData.split(ExampleSet.grey(pixels, y, 28, 28, 10, "random"), 0.1, 1);
        InMemorySource source = new InMemorySource(cfg, data);
        MemberSpec member = new MemberSpec(0, "m000", arch, 1, false, null);
        int[] epoch = {0};
        int batches = (int) Math.ceil(source.epochExamples(member) / (double) timing.batch);
        return 1000.0 / timing.rate(batches, () -> {
            try (TrainingSource.Epoch e = source.epoch(member, epoch[0]++, timing.batch)) {
                while (e.hasNext()) e.next();
            }
        });
    }

    /** The ops that took most of {@code profiledSteps} steps, by ND4J's profiler: "name share-of-op-time". */
    private List<String> topOps(Runnable step) {
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        try {
            for (int i = 0; i < profiledSteps; i++) step.run();
        } finally {
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        }
        String text = OpProfiler.getInstance().getLongAggergator().asPercentageString();
        // lines read "CustomOp matmul (hash) >>> perc: 51.5 Time spent: 59 ms": keep "matmul 52%"
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^\\S+ (\\S+) \\(.*\\) >>> perc: ([0-9.]+)");
        List<String> ops = new ArrayList<>();
        for (String l : text.split("\n")) {
            java.util.regex.Matcher m = line.matcher(l.trim().replaceAll("\\s+", " "));
            if (m.find()) ops.add(m.group(1) + " " + Math.round(Double.parseDouble(m.group(2))) + "%");
            if (ops.size() == top) break;
        }
        return ops;
    }

    @SuppressWarnings("unchecked")
    static String table(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| arch | threads | step ms | forward | backward | updater and rest | data (ms/batch) | top ops (share of op time) |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : rows) {
            double step = (double) r.get("stepMs");
            sb.append(String.format("| %s | %d | %.2f | %.0f%% | %.0f%% | %.0f%% | %.2f (%.0f%%) | %s |%n", r.get("arch"),
                    (int) r.get("threads"), step, 100 * (double) r.get("forwardMs") / step,
                    100 * (double) r.get("backwardMs") / step, 100 * (double) r.get("updaterAndRestMs") / step,
                    (double) r.get("dataMs"), 100 * (double) r.get("dataMs") / step,
                    String.join("; ", (List<String>) r.get("topOps"))));
        }
        return sb.toString();
    }
}
