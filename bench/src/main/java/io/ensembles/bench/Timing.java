package io.ensembles.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Option;

/**
 * What the training/inference benchmarks share: their batch and timing options (a picocli
 * mixin), the median-of-repeats rate, and the seeded random batch they time on.
 */
final class Timing {
    @Option(names = "--batch", defaultValue = "128", description = "Training batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--inference-batch", defaultValue = "500", description = "Inference batch (default: ${DEFAULT-VALUE})")
    int inferenceBatch;

    @Option(names = "--seconds", defaultValue = "4", description = "Seconds per timed repeat (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats; the median is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "20", description = "Untimed iterations first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Model configuration overrides, as for train")
    Map<String, String> set = new LinkedHashMap<>();

    /** The options as command-line arguments, to hand the same settings to a child JVM. */
    List<String> args() {
        List<String> a = new java.util.ArrayList<>(List.of("--batch", String.valueOf(batch), "--inference-batch",
                String.valueOf(inferenceBatch), "--seconds", String.valueOf(seconds), "--repeats",
                String.valueOf(repeats), "--warmup", String.valueOf(warmup)));
        for (var e : set.entrySet()) a.addAll(List.of("--set", e.getKey() + "=" + e.getValue()));
        return a;
    }

    /** Median images/s over the repeats of timing {@code step} for {@code seconds} each, after the warm-up. */
    double rate(int imagesPerStep, Runnable step) {
        for (int i = 0; i < warmup; i++) step.run();
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long n = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                step.run();
                n++;
            }
            rates[r] = n * imagesPerStep / ((System.nanoTime() - start) / 1e9);
        }
        Arrays.sort(rates);
        return rates[repeats / 2];
    }

    /** n random 28x28 images (as 784 floats) with labels cycling through the 10 classes, seeded by n. */
    static DataSet randomBatch(int n) {
        Nd4j.getRandom().setSeed(n);
        INDArray f = Nd4j.randn(DataType.FLOAT, n, 784);
        INDArray l = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) l.putScalar(i, i % 10, 1f);
        return new DataSet(f, l);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
