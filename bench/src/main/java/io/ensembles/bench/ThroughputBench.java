package io.ensembles.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import io.ensembles.train.NativeRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.FixedSchedule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Images per second of training and inference for each architecture with the project's own
 * model definitions and optimiser, on fixed random batches of Fashion-MNIST's shape (the same
 * protocol as the PyTorch reference script), and the GFLOP/s that implies against ND4J's
 * matrix-multiply peak measured in the same JVM. Each figure is the median of several timed
 * repeats. Native threads come from OMP_NUM_THREADS (set by submit/bench before the JVM starts).
 * Prints one JSON line per measurement.
 */
@Command(name = "throughput-bench", mixinStandardHelpOptions = true,
        description = "DL4J training/inference throughput per architecture, and ND4J's matmul peak.")
public final class ThroughputBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--archs", split = ",", defaultValue = "mlp,cnn,resnet", description = "Architectures (default: ${DEFAULT-VALUE})")
    List<String> archs;

    @Mixin
    Timing timing = new Timing();

    public static void main(String[] args) {
        NativeRuntime.configure(); // before anything loads ND4J
        System.exit(new CommandLine(new ThroughputBench()).execute(args));
    }

    static int threads() {
        String v = System.getenv("OMP_NUM_THREADS");
        return v == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v.trim());
    }

    @Override
    public Integer call() throws Exception {
        int threads = threads();
        NativeRuntime.limitThreads(threads);
        EnsembleConfig cfg = EnsembleConfig.from(com.typesafe.config.ConfigFactory.empty(), new LinkedHashMap<>(timing.set));
        double peak = matmulPeak();
        emit(Map.of("framework", "nd4j", "arch", "matmul-1024", "threads", threads, "phase", "peak", "gflops", Timing.round(peak)));
        for (String name : archs) {
            Architecture arch = Architecture.byName(name);
            if (arch == null) throw new CommandLine.ParameterException(new CommandLine(this), "unknown architecture " + name);
            ComputationGraphConfiguration conf = ModelFactory.configuration(arch, cfg.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, 1,
                    new ModelFactory.Optimizer(new FixedSchedule(0.05), 0.9, 1e-4));
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            long macs = Flops.forwardMacs(conf, arch == Architecture.MLP ? InputType.feedForward(784)
                    : InputType.convolutionalFlat(28, 28, 1));
            DataSet ds = Timing.randomBatch(timing.batch);
            double train = timing.rate(timing.batch, () -> net.fit(ds));
            INDArray x = Timing.randomBatch(timing.inferenceBatch).getFeatures();
            double infer = timing.rate(timing.inferenceBatch, () -> net.outputSingle(false, x));
            for (Object[] r : new Object[][] {{"train", train, Flops.trainFlopsPerImage(macs)},
                    {"inference", infer, Flops.inferenceFlopsPerImage(macs)}}) {
                double ips = (double) r[1];
                double gflops = ips * (double) r[2] / 1e9;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("framework", "dl4j");
                m.put("arch", name);
                m.put("threads", threads);
                m.put("phase", r[0]);
                m.put("images_per_s", Timing.round(ips));
                m.put("gflops", Timing.round(gflops));
                m.put("peak_share", Timing.round(gflops / peak));
                m.put("forward_macs", macs);
                m.put("parameters", net.numParams());
                emit(m);
            }
        }
        return 0;
    }

    /** ND4J's float matrix multiply, 1024 x 1024, in GFLOP/s (median over the repeats). */
    private double matmulPeak() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray c = Nd4j.create(DataType.FLOAT, 1024, 1024);
        double flops = 2.0 * 1024 * 1024 * 1024;
        List<Double> g = new ArrayList<>();
        for (int i = 0; i < 5; i++) a.mmuli(b, c);
        for (int r = 0; r < timing.repeats; r++) {
            long n = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < timing.seconds * 0.5e9) {
                a.mmuli(b, c);
                n++;
            }
            g.add(n * flops / (System.nanoTime() - start));
        }
        g.sort(Double::compare);
        return g.get(timing.repeats / 2);
    }

    private static void emit(Map<String, Object> m) throws Exception {
        System.out.println(JSON.writeValueAsString(m));
    }
}
