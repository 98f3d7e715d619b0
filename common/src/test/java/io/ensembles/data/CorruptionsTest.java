package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CorruptionsTest {
    private static ExampleSet images() {
        Random rnd = new Random(2);
        int n = 20;
        byte[] px = new byte[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            // a bright square somewhere, as a garment would be
            int top = 4 + rnd.nextInt(8);
            int left = 4 + rnd.nextInt(8);
            for (int r = top; r < top + 12; r++) for (int c = left; c < left + 12; c++) px[i * 784 + r * 28 + c] = (byte) 200;
        }
        return ExampleSet.grey(px, labels, 28, 28, 10, "synthetic");
    }

    private static double meanAbsDiff(ExampleSet a, ExampleSet b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) for (int p = 0; p < a.features(); p++) s += Math.abs(a.pixel(i, p) - b.pixel(i, p));
        return s / (a.size() * (double) a.features());
    }

    @Test
    void everyCorruptionGrowsWithSeverityAndKeepsTheLabels() {
        ExampleSet d = images();
        for (String name : Corruptions.NAMES) {
            double prev = 0;
            for (int s = 1; s <= 5; s++) {
                ExampleSet x = Corruptions.apply(d, name, s, 9);
                assertEquals(d.size(), x.size());
                assertArrayEquals(d.labels(), x.labels());
                double diff = meanAbsDiff(d, x);
                assertTrue(diff > prev, name + " severity " + s + ": " + diff + " after " + prev);
                prev = diff;
            }
            // deterministic for a seed
            assertEquals(0.0, meanAbsDiff(Corruptions.apply(d, name, 3, 9), Corruptions.apply(d, name, 3, 9)));
        }
    }

    @Test
    void aSliceIsCorruptedAsTheSameImagesOfTheWholeSet() {
        ExampleSet d = images();
        int[] tail = new int[12];
        for (int i = 0; i < tail.length; i++) tail[i] = 8 + i;
        for (String name : Corruptions.NAMES) {
            ExampleSet whole = Corruptions.apply(d, name, 4, 9);
            ExampleSet slice = Corruptions.apply(d.select(tail), name, 4, 9, 8);
            assertEquals(0.0, meanAbsDiff(whole.select(tail), slice), name);
        }
    }

    @Test
    void theTransformsOnKnownInputs() {
        double[] x = new double[9];
        x[4] = 90; // a single bright pixel in a 3x3 image
        assertArrayEquals(x, Corruptions.rotate(x, 3, 3, 0), 1e-12);
        assertArrayEquals(x, Corruptions.rotate(x, 3, 3, 90), 1e-9); // the centre stays
        double[] edge = new double[9];
        edge[1] = 90; // top middle -> right middle after a 90 degree turn (clockwise on screen)
        double[] turned = Corruptions.rotate(edge, 3, 3, 90);
        assertEquals(90, turned[5] + turned[3], 1e-9);
        double[] c = Corruptions.contrast(new double[] {0, 100}, 0.5);
        assertArrayEquals(new double[] {25, 75}, c, 1e-12);
        double[] blurred = Corruptions.blur(x, 3, 3, 1.0);
        assertTrue(blurred[4] < 90 && blurred[0] > 0, "blur spreads the pixel");
        assertThrows(IllegalArgumentException.class, () -> Corruptions.apply(images(), "fog", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Corruptions.apply(images(), "blur", 6, 1));
    }
}
