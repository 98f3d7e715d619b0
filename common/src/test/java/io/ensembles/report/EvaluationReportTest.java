package io.ensembles.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.Diversity;
import io.ensembles.metrics.TemperatureScaling;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {
    private static float[] randomProbs(Random rnd, int n, int c, int[] labels, double skill) {
        float[] p = new float[n * c];
        for (int i = 0; i < n; i++) {
            double[] z = new double[c];
            double s = 0;
            for (int k = 0; k < c; k++) {
                z[k] = Math.exp(rnd.nextGaussian() + (k == labels[i] ? skill : 0));
                s += z[k];
            }
            for (int k = 0; k < c; k++) p[i * c + k] = (float) (z[k] / s);
        }
        return p;
    }

    @Test
    void everyRowHoldsTheMetricsOfItsMembersAtEverySize() {
        Random rnd = new Random(5);
        int n = 400;
        int c = 4;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(c);
        List<float[]> m = List.of(randomProbs(rnd, n, c, y, 1.5), randomProbs(rnd, n, c, y, 1.5),
                randomProbs(rnd, n, c, y, 1.5));
        EvaluationReport r = EvaluationReport.compute("t", List.of("a", "b", "c"), m, new double[] {2, 2, 2}, 2, y, c, 15);
        EvaluationReport.Row two = r.ensembleOfSize(2);
        float[] avg = ClassificationMetrics.average(m.subList(0, 2));
        assertEquals(2.0, two.budget(), 1e-12);
        assertEquals(ClassificationMetrics.nll(avg, y, c), two.nll(), 1e-12);
        assertEquals(ClassificationMetrics.brier(avg, y, c), two.brier(), 1e-12);
        assertEquals(ClassificationMetrics.adaptiveEce(avg, y, c, 15), two.adaptiveEce(), 1e-12);
        assertEquals(Diversity.disagreement(m.get(0), m.get(1), c), two.disagreement(), 1e-12);
        assertEquals(two.disagreement() / two.error(), two.disagreementOverError(), 1e-12);
        assertEquals(Diversity.meanKl(m.subList(0, 2), c), two.kl(), 1e-12);
        assertEquals(TemperatureScaling.crossValidated(avg, y, c, EvaluationReport.CALIBRATION_REPEATS,
                EvaluationReport.CALIBRATION_SEED).nll(), two.calibratedNll(), 1e-12);
        assertEquals(0.0, r.ensembleOfSize(1).disagreement());
        assertTrue(r.ensembleOfSize(3).nll() <= r.meanMember().nll(), "an ensemble's NLL is never above its mean member's");
        assertTrue(r.table().contains("cal NLL"));
    }

    @Test
    void randomOrdersAverageTheSizeCurveOverSeededShuffles() {
        Random rnd = new Random(6);
        int n = 300;
        int c = 3;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(c);
        List<float[]> m = List.of(randomProbs(rnd, n, c, y, 0.5), randomProbs(rnd, n, c, y, 1.0),
                randomProbs(rnd, n, c, y, 2.0));
        EvaluationReport r = EvaluationReport.compute("t", List.of("a", "b", "c"), m, new double[] {1, 1, 1}, 1, y, c,
                15, 4);
        List<EvaluationReport.Row> random = r.rows().stream()
                .filter(x -> x.kind().equals("ensemble-random-order")).toList();
        assertEquals(3, random.size());
        // size 1: the mean NLL of the members that came first in the four seeded orders
        Random orders = new Random(EvaluationReport.ORDER_SEED);
        double want = 0;
        for (int o = 0; o < 4; o++) {
            List<Integer> order = new java.util.ArrayList<>(List.of(0, 1, 2));
            java.util.Collections.shuffle(order, orders);
            want += ClassificationMetrics.nll(m.get(order.get(0)), y, c) / 4;
        }
        assertEquals(want, random.get(0).nll(), 1e-12);
        // all members, whatever the order: the manifest-order ensemble
        assertEquals(r.ensembleOfSize(3).nll(), random.get(2).nll(), 1e-6);
        assertEquals(r.ensembleOfSize(3).disagreement(), random.get(2).disagreement(), 1e-12);
    }
}
