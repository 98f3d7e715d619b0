package io.ensembles.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ensembles.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Adaptive ECE from the partitions' sorted keys equals the one-machine sort's, ties included. */
class AdaptiveEceTest {
    private static final int C = ScoringFitTest.C;
    private static final int[][] SUBSETS = {{0}, {1}, {0, 1}};

    /** Blocks whose rows take one of three probability vectors: few distinct confidences, long runs of ties. */
    private static List<PredictionStage.Block> tied(int n, int perBlock, long seed) {
        float[][] rows = {{0.6f, 0.1f, 0.1f, 0.1f, 0.1f}, {0.2f, 0.5f, 0.1f, 0.1f, 0.1f}, {1f, 0f, 0f, 0f, 0f}};
        Random r = new Random(seed);
        List<PredictionStage.Block> out = new ArrayList<>();
        for (int first = 0; first < n; first += perBlock) {
            int m = Math.min(perBlock, n - first);
            int[] labels = new int[m];
            float[][] probs = new float[2][m * C];
            for (int i = 0; i < m; i++) {
                labels[i] = r.nextInt(2);
                for (float[] p : probs) System.arraycopy(rows[r.nextInt(rows.length)], 0, p, i * C, C);
            }
            out.add(new PredictionStage.Block("test", first, labels, probs, new double[2], null));
        }
        return out;
    }

    private static void check(List<PredictionStage.Block> bs, int n, int bins, int slices) {
        JavaRDD<PredictionStage.Block> rdd = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext())
                .parallelize(bs, slices);
        int[] labels = new int[n];
        List<float[]> members = List.of(new float[n * C], new float[n * C]);
        for (PredictionStage.Block b : bs) {
            System.arraycopy(b.labels(), 0, labels, (int) b.first(), b.labels().length);
            for (int m = 0; m < 2; m++) System.arraycopy(b.probs()[m], 0, members.get(m), (int) b.first() * C, b.probs()[m].length);
        }
        // gathering at 50 keys forces the narrowing rounds, through the runs of equal confidence by index
        for (int gather : new int[] {50, AdaptiveEce.GATHER}) {
            double[] got = AdaptiveEce.compute(rdd, SUBSETS, C, bins, n, gather);
            for (int s = 0; s < SUBSETS.length; s++) {
                float[] avg = ClassificationMetrics.average(Arrays.stream(SUBSETS[s]).mapToObj(members::get).toList());
                assertEquals(ClassificationMetrics.adaptiveEce(avg, labels, C, bins), got[s], 1e-12,
                        "subset " + Arrays.toString(SUBSETS[s]) + ", gathering at " + gather);
            }
        }
    }

    @Test
    void equalsTheOneMachineSortOnSpreadAndOnTiedConfidences() {
        check(ScoringFitTest.blocks(20_000, 700, 5), 20_000, 15, 7);
        check(tied(20_000, 900, 6), 20_000, 15, 5);
    }

    @Test
    void moreBinsThanExamples() {
        check(tied(9, 4, 7), 9, 15, 3);
    }

    @Test
    void aKeyOrdersByConfidenceThenIndex() {
        long a = AdaptiveEce.key(0.5f, 7);
        long b = AdaptiveEce.key(0.5f, 8);
        long c = AdaptiveEce.key(Math.nextUp(0.5f), 0);
        assertEquals(true, a < b && b < c);
        assertEquals(0.5f, AdaptiveEce.confidence(b));
        assertEquals(1f, AdaptiveEce.confidence(AdaptiveEce.key(1f, (1L << 33) - 1)));
    }
}
