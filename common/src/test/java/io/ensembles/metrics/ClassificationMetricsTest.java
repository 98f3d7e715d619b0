package io.ensembles.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
    // 4 examples, 2 classes
    private final float[] probs = {0.95f, 0.05f, 0.15f, 0.85f, 0.65f, 0.35f, 0.25f, 0.75f};
    private final int[] labels = {0, 1, 1, 1};

    @Test
    void accuracyAndError() {
        assertEquals(0.75, ClassificationMetrics.accuracy(probs, labels, 2), 1e-12);
        assertEquals(0.25, ClassificationMetrics.error(probs, labels, 2), 1e-12);
    }

    @Test
    void nllByHand() {
        double expected = -(Math.log(0.95f) + Math.log(0.85f) + Math.log(0.35f) + Math.log(0.75f)) / 4;
        assertEquals(expected, ClassificationMetrics.nll(probs, labels, 2), 1e-9);
        float[] perfect = {1, 0, 0, 1};
        assertEquals(0.0, ClassificationMetrics.nll(perfect, new int[] {0, 1}, 2), 1e-12);
        float[] uniform = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
        assertEquals(Math.log(10), ClassificationMetrics.nll(uniform, new int[] {3}, 10), 1e-6);
        // a certain mistake is clipped, not infinite
        assertEquals(-Math.log(ClassificationMetrics.EPS), ClassificationMetrics.nll(perfect, new int[] {1, 0}, 2), 1e-6);
    }

    @Test
    void eceWithAKnownBinning() {
        // confidences 0.95 (right), 0.85 (right), 0.65 (wrong), 0.75 (right); with 10 bins each is alone in its bin:
        // |1-0.95| + |1-0.85| + |0-0.65| + |1-0.75|, each weighted 1/4
        double expected = (0.05 + 0.15 + 0.65 + 0.25) / 4;
        assertEquals(expected, ClassificationMetrics.ece(probs, labels, 2, 10), 1e-6);
        // one bin: |accuracy - mean confidence|
        assertEquals(Math.abs(0.75 - (0.95 + 0.85 + 0.65 + 0.75) / 4), ClassificationMetrics.ece(probs, labels, 2, 1), 1e-6);
        // perfectly confident and right: 0
        assertEquals(0.0, ClassificationMetrics.ece(new float[] {1, 0, 0, 1}, new int[] {0, 1}, 2, 15), 1e-12);
    }

    @Test
    void reliabilityDiagramOfAKnownBinning() {
        // same four predictions, 2 bins: (0, .5] is empty; (.5, 1] holds all four, 3 right, mean confidence .8
        var bins = ClassificationMetrics.reliability(probs, labels, 2, 2);
        assertEquals(2, bins.size());
        assertEquals(0, bins.get(0).count());
        assertTrue(Double.isNaN(bins.get(0).accuracy()));
        assertEquals(4, bins.get(1).count());
        assertEquals(0.5, bins.get(1).lower(), 0);
        assertEquals(1.0, bins.get(1).upper(), 0);
        assertEquals(0.8, bins.get(1).confidence(), 1e-6);
        assertEquals(0.75, bins.get(1).accuracy(), 1e-12);
        // and the ECE is the count-weighted gap of the bins
        assertEquals(Math.abs(0.75 - 0.8), ClassificationMetrics.ece(probs, labels, 2, 2), 1e-6);
    }

    @Test
    void eceBinEdgesBelongToTheLowerBin() {
        // confidence exactly 0.5 with 2 bins falls in (0, 0.5], with 0.75 in (0.5, 1]
        float[] p = {0.5f, 0.5f, 0.25f, 0.75f};
        int[] y = {0, 1};
        // bin 0: conf 0.5, correct (argmax 0 == 0) -> |1-0.5|/2; bin 1: conf .75 correct -> |1-.75|/2
        assertEquals(0.25 + 0.125, ClassificationMetrics.ece(p, y, 2, 2), 1e-6);
    }

    @Test
    void averageOfMembers() {
        float[] a = {1, 0, 0.5f, 0.5f};
        float[] b = {0, 1, 0.5f, 0.5f};
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, ClassificationMetrics.average(List.of(a, b)));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.average(List.of()));
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.nll(a, new int[] {0}, 2));
    }
}
