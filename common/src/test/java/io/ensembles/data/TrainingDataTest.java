package io.ensembles.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainingDataTest {
    static ExampleSet synthetic(int n) {
        byte[] px = new byte[n * 4];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 4; p++) px[i * 4 + p] = (byte) i; // pixel value identifies the example
            lb[i] = i % 10;
        }
        return ExampleSet.grey(px, lb, 2, 2, 10, "synthetic");
    }

    @Test
    void splitIsSeededDisjointAndComplete() {
        ExampleSet d = synthetic(100);
        TrainingData a = TrainingData.split(d, 0.2, 7);
        TrainingData b = TrainingData.split(d, 0.2, 7);
        TrainingData c = TrainingData.split(d, 0.2, 8);
        assertEquals(80, a.train().size());
        assertEquals(20, a.validation().size());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 80; i++) seen.add(a.train().pixel(i, 0));
        for (int i = 0; i < 20; i++) assertTrue(seen.add(a.validation().pixel(i, 0)), "disjoint");
        assertEquals(100, seen.size());
        assertEquals(Arrays.toString(a.validation().labels()), Arrays.toString(b.validation().labels()));
        int same = 0;
        for (int i = 0; i < 20; i++) if (a.validation().pixel(i, 0) == c.validation().pixel(i, 0)) same++;
        assertTrue(same < 20, "another seed gives another split");
    }

    @Test
    void normalisationStandardisesTheTrainingPixels() {
        TrainingData t = TrainingData.split(synthetic(50), 0.0, 1);
        assertEquals(0, t.validation().size());
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int i = 0; i < t.train().size(); i++) {
            for (int p = 0; p < 4; p++) {
                double v = t.normalisation().apply(t.train().pixel(i, p), 0);
                sum += v;
                sq += v * v;
                n++;
            }
        }
        assertEquals(0.0, sum / n, 1e-5);
        assertEquals(1.0, sq / n, 1e-4);
    }

    @Test
    void bootstrapDrawsWithReplacement() {
        ExampleSet d = synthetic(200);
        ExampleSet b = TrainingData.bootstrap(d, 3);
        assertTrue(Math.abs(b.size() - 200) < 3 * Math.sqrt(200), "about n rows: " + b.size());
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < b.size(); i++) distinct.add(b.pixel(i, 0));
        // about 1 - 1/e = 63% of the examples appear in a bootstrap sample
        assertTrue(distinct.size() > 100 && distinct.size() < 150, "distinct " + distinct.size());
        assertNotEquals(Arrays.toString(TrainingData.bootstrap(d, 4).labels()), Arrays.toString(b.labels()));
        assertEquals(Arrays.toString(TrainingData.bootstrap(d, 3).labels()), Arrays.toString(b.labels()), "seeded");
    }

    /** The streaming bootstrap's weights: Poisson(1), so mean 1 and variance 1, and P(0) = 1/e. */
    @Test
    void poissonBootstrapWeightsHaveMeanOne() {
        int n = 200_000;
        double sum = 0;
        double sq = 0;
        int zeros = 0;
        for (int i = 0; i < n; i++) {
            int w = TrainingData.poissonWeight(42, i);
            sum += w;
            sq += (double) w * w;
            if (w == 0) zeros++;
        }
        double mean = sum / n;
        assertEquals(1.0, mean, 0.01, "mean weight");
        assertEquals(1.0, sq / n - mean * mean, 0.02, "variance");
        assertEquals(Math.exp(-1), (double) zeros / n, 0.005, "share of rows left out");
        assertEquals(TrainingData.poissonWeight(42, 12345), TrainingData.poissonWeight(42, 12345), "a row's weight is fixed");
    }

    /** Rows of floats, each one distinct: row i holds i and i * 0.5. */
    static ExampleSet rows(int[] order) {
        float[] v = new float[order.length * 2];
        int[] lb = new int[order.length];
        for (int j = 0; j < order.length; j++) {
            v[2 * j] = order[j];
            v[2 * j + 1] = order[j] * 0.5f;
            lb[j] = order[j] % 3;
        }
        return ExampleSet.ofFloats(InputShape.vector(2), v, lb, ExampleSet.numberedClasses(3), "rows");
    }

    static java.util.List<Float> ids(ExampleSet d) {
        java.util.List<Float> ids = new java.util.ArrayList<>();
        for (int i = 0; i < d.size(); i++) ids.add(d.value(i, 0));
        java.util.Collections.sort(ids);
        return ids;
    }

    @Test
    void theHashSplitDependsOnTheRowsNotOnTheirOrder() {
        int n = 20_000;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        ExampleSet d = rows(order);
        int[] shuffled = TrainingData.permutation(n, new java.util.Random(5));
        ExampleSet e = rows(shuffled);
        TrainingData a = TrainingData.hashSplit(d, 0.1, 7, false);
        TrainingData b = TrainingData.hashSplit(e, 0.1, 7, false);
        assertEquals(0.1, a.validation().size() / (double) n, 0.01, "the share held out");
        assertEquals(n, a.train().size() + a.validation().size());
        assertEquals(ids(a.validation()), ids(b.validation()), "the same rows held out in any order");
        assertEquals(a.normalisation().mean()[0], b.normalisation().mean()[0], 1e-9);
        assertNotEquals(ids(a.validation()), ids(TrainingData.hashSplit(d, 0.1, 8, false).validation()), "seeded");
        // duplicates fall on one side
        ExampleSet twice = rows(new int[] {4, 4, 4, 9, 9, 1, 2, 3, 5, 6});
        TrainingData t = TrainingData.hashSplit(twice, 0.3, 7, false);
        java.util.List<Float> held = ids(t.validation());
        for (int i = 0; i < t.train().size(); i++) assertTrue(!held.contains(t.train().value(i, 0)), "no duplicate across");
        // a tiny set still holds one row out and trains on the rest
        TrainingData tiny = TrainingData.hashSplit(rows(new int[] {1, 2, 3}), 0.1, 7, false);
        assertEquals(1, tiny.validation().size());
        assertEquals(2, tiny.train().size());
    }
}
