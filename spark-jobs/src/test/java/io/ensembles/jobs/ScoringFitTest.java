package io.ensembles.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ensembles.metrics.OodDetection;
import io.ensembles.metrics.TemperatureScaling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The scoring settings fitted by executor passes equal the ones fitted with every row on one machine. */
class ScoringFitTest {
    static final int C = 5;

    /** Blocks of two members' probabilities: overconfident, and many rows nearly certain (a crowded low-entropy bin). */
    static List<PredictionStage.Block> blocks(int n, int perBlock, long seed) {
        Random r = new Random(seed);
        List<PredictionStage.Block> out = new ArrayList<>();
        for (int first = 0; first < n; first += perBlock) {
            int m = Math.min(perBlock, n - first);
            int[] labels = new int[m];
            float[][] probs = new float[2][m * C];
            for (int i = 0; i < m; i++) {
                labels[i] = r.nextInt(C);
                boolean certain = r.nextDouble() < 0.6;
                for (float[] p : probs) {
                    double[] z = new double[C];
                    int guess = r.nextDouble() < 0.8 ? labels[i] : r.nextInt(C);
                    for (int k = 0; k < C; k++) z[k] = r.nextGaussian() + (k == guess ? (certain ? 14 : 3) : 0);
                    double max = Arrays.stream(z).max().orElseThrow();
                    double sum = 0;
                    for (int k = 0; k < C; k++) sum += z[k] = Math.exp(z[k] - max);
                    for (int k = 0; k < C; k++) p[i * C + k] = (float) (z[k] / sum);
                }
            }
            out.add(new PredictionStage.Block("test", first, labels, probs, new double[2], null));
        }
        return out;
    }

    @Test
    void theTemperatureAndTheEntropyQuantileMatchTheOneMachineFit() {
        List<PredictionStage.Block> bs = blocks(20_000, 700, 3);
        JavaRDD<PredictionStage.Block> rdd = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext())
                .parallelize(bs, 7);
        int n = 20_000;
        float[] mean = new float[n * C];
        int[] labels = new int[n];
        for (PredictionStage.Block b : bs) {
            System.arraycopy(ScoringFit.mean(b), 0, mean, (int) b.first() * C, b.labels().length * C);
            System.arraycopy(b.labels(), 0, labels, (int) b.first(), b.labels().length);
        }
        assertEquals(TemperatureScaling.fit(mean, labels, C), ScoringFit.temperature(rdd, C), 1e-12);
        double[] sorted = OodDetection.entropy(mean, C);
        Arrays.sort(sorted);
        for (long rank : new long[] {0, 1, 5_000, 12_345, 18_999, 19_999}) {
            // a gathering limit of 50 forces the narrowing passes through the crowded bins
            assertEquals(sorted[(int) rank], ScoringFit.entropyAt(rdd, C, rank, 50), 0.0, "rank " + rank);
            assertEquals(sorted[(int) rank], ScoringFit.entropyAt(rdd, C, rank), 0.0, "rank " + rank);
        }
    }
}
