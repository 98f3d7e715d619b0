package io.ensembles.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.InputShape;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import io.ensembles.train.NativeRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.FixedSchedule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * DL4J's {@code ComputationGraph} against the same network rebuilt in SameDiff
 * ({@link SameDiffGraph}, tested equal in outputs and gradients), training and inference images/s
 * per architecture, the two timed in alternating windows in one JVM so that both see the same
 * machine. Training runs epochs of {@code --steps} batches through each framework's own
 * {@code fit(iterator)}, with the same optimiser (Nesterov 0.9, lr 0.05, L2 1e-4); inference
 * calls each one's output method. Prints one JSON line per architecture and phase, then a
 * Markdown table; native threads come from OMP_NUM_THREADS (set by submit/bench-samediff).
 */
@Command(name = "samediff-bench", mixinStandardHelpOptions = true,
        description = "DL4J ComputationGraph against the same networks in SameDiff: training and inference images/s.")
public final class SameDiffBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LR = 0.05;
    private static final double MOMENTUM = 0.9;
    private static final double L2 = 1e-4;

    @Option(names = "--archs", split = ",", defaultValue = "mlp,cnn,resnet", description = "Architectures (default: ${DEFAULT-VALUE})")
    List<String> archs;

    @Option(names = "--steps", defaultValue = "20", description = "Batches per timed training epoch (default: ${DEFAULT-VALUE})")
    int steps;

    @Mixin
    Timing timing = new Timing();

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new SameDiffBench()).execute(args));
    }

    /** One architecture's medians: DL4J and SameDiff images/s, training then inference. */
    record Row(String arch, double dl4jTrain, double sdTrain, double dl4jInfer, double sdInfer) { }

    @Override
    public Integer call() throws Exception {
        int threads = ThroughputBench.threads();
        NativeRuntime.limitThreads(threads);
        if (steps < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--steps must be at least 1, got " + steps);
        EnsembleConfig cfg = EnsembleConfig.from(com.typesafe.config.ConfigFactory.empty(), new LinkedHashMap<>(timing.set));
        List<Row> rows = new ArrayList<>();
        for (String name : archs) {
            Architecture arch = Architecture.byName(name);
            if (arch == null) throw new CommandLine.ParameterException(new CommandLine(this), "unknown architecture " + name + " (expected mlp, cnn or resnet)");
            System.err.printf("[samediff-bench] %s, %d thread(s)%n", name, threads);
            Row r = measure(arch, cfg);
            rows.add(r);
            emit(r, "train", r.dl4jTrain(), r.sdTrain(), threads);
            emit(r, "inference", r.dl4jInfer(), r.sdInfer(), threads);
        }
        System.out.println();
        System.out.printf("| arch | DL4J train img/s | SameDiff train img/s | SameDiff / DL4J | DL4J inference img/s | SameDiff inference img/s | SameDiff / DL4J |%n");
        System.out.printf("|---|---|---|---|---|---|---|%n");
        for (Row r : rows) {
            System.out.printf("| %s | %,.0f | %,.0f | %.2fx | %,.0f | %,.0f | %.2fx |%n", r.arch(), r.dl4jTrain(), r.sdTrain(),
                    r.sdTrain() / r.dl4jTrain(), r.dl4jInfer(), r.sdInfer(), r.sdInfer() / r.dl4jInfer());
        }
        return 0;
    }

    private Row measure(Architecture arch, EnsembleConfig cfg) {
        ComputationGraph net = ModelFactory.build(arch, cfg.model(), InputShape.image(1, 28, 28), 10, 1,
                new ModelFactory.Optimizer(new FixedSchedule(LR), MOMENTUM, L2));
        SameDiff train = SameDiffGraph.of(net, 784, true, new Nesterovs(LR, MOMENTUM), L2);
        SameDiff infer = SameDiffGraph.of(net, 784, false, new Nesterovs(LR, MOMENTUM), 0);
        DataSet ds = Timing.randomBatch(timing.batch);
        List<DataSet> epoch = Collections.nCopies(steps, ds);
        INDArray x = Timing.randomBatch(timing.inferenceBatch).getFeatures();
        Map<String, INDArray> features = Map.of(SameDiffGraph.FEATURES, x);
        int trainImages = steps * timing.batch;
        double[] t = alternate(trainImages,
                () -> net.fit(new ExistingDataSetIterator(epoch)),
                () -> train.fit(new ExistingDataSetIterator(epoch), 1));
        double[] i = alternate(timing.inferenceBatch,
                () -> net.outputSingle(false, x),
                () -> infer.outputSingle(features, SameDiffGraph.PROBABILITIES));
        return new Row(arch.id(), t[0], t[1], i[0], i[1]);
    }

    /**
     * Median images/s of {@code a} and of {@code b}, timed in alternating windows of
     * {@code --seconds} each ({@code --repeats} of each), after warming both up.
     */
    private double[] alternate(int imagesPerCall, Runnable a, Runnable b) {
        int warm = Math.max(1, timing.warmup / (imagesPerCall > timing.batch ? steps : 1));
        for (int k = 0; k < warm; k++) {
            a.run();
            b.run();
        }
        double[] ra = new double[timing.repeats];
        double[] rb = new double[timing.repeats];
        for (int r = 0; r < timing.repeats; r++) {
            ra[r] = window(imagesPerCall, a);
            rb[r] = window(imagesPerCall, b);
        }
        java.util.Arrays.sort(ra);
        java.util.Arrays.sort(rb);
        return new double[] {ra[timing.repeats / 2], rb[timing.repeats / 2]};
    }

    private double window(int imagesPerCall, Runnable step) {
        long n = 0;
        long start = System.nanoTime();
        long end = start + (long) (timing.seconds * 1e9);
        while (System.nanoTime() < end) {
            step.run();
            n++;
        }
        return n * imagesPerCall / ((System.nanoTime() - start) / 1e9);
    }

    private static void emit(Row r, String phase, double dl4j, double sd, int threads) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", r.arch());
        m.put("threads", threads);
        m.put("phase", phase);
        m.put("dl4j_images_per_s", Timing.round(dl4j));
        m.put("samediff_images_per_s", Timing.round(sd));
        m.put("samediff_over_dl4j", Timing.round(sd / dl4j));
        System.out.println(JSON.writeValueAsString(m));
    }
}
