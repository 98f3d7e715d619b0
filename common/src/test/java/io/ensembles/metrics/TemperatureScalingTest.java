package io.ensembles.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Newton search for the temperature: it finds the exact minimiser, fast, and stops at the bounds. */
class TemperatureScalingTest {
    private static final int C = 10;

    /** Over-confident probabilities (logits x {@code sharpen}) with labels drawn from the unsharpened ones. */
    private static float[] overconfident(Random rnd, int n, double sharpen, int[] labels) {
        float[] p = new float[n * C];
        for (int i = 0; i < n; i++) {
            double[] z = new double[C];
            double s = 0;
            double t = 0;
            for (int k = 0; k < C; k++) {
                z[k] = 1.5 * rnd.nextGaussian();
                s += Math.exp(sharpen * z[k]);
                t += Math.exp(z[k]);
            }
            double u = rnd.nextDouble() * t;
            labels[i] = C - 1;
            for (int k = 0; k < C; k++) {
                p[i * C + k] = (float) (Math.exp(sharpen * z[k]) / s);
                if ((u -= Math.exp(z[k])) < 0 && labels[i] == C - 1) labels[i] = k;
            }
        }
        return p;
    }

    private static double meanNll(float[] p, int[] y, double t) {
        return ClassificationMetrics.nll(TemperatureScaling.apply(p, C, t), y, C);
    }

    @Test
    void theFitIsTheMinimiserOfTheNllFoundInAFewSteps() {
        for (double sharpen : new double[] {0.4, 1.0, 2.5}) {
            Random rnd = new Random(Double.hashCode(sharpen));
            int[] y = new int[4000];
            float[] p = overconfident(rnd, y.length, sharpen, y);
            TemperatureScaling.Search search = new TemperatureScaling.Search();
            while (!search.done()) {
                double[] d = TemperatureScaling.derivativeSums(p, y, C, search.beta());
                search.update(d[0], d[1]);
            }
            double t = TemperatureScaling.fit(p, y, C);
            assertEquals(search.temperature(), t, 0.0);
            assertTrue(search.steps() <= 8, search.steps() + " steps at sharpen " + sharpen);
            // the derivative vanishes there, and a fine scan of log T finds nothing lower
            double g = TemperatureScaling.derivativeSums(p, y, C, 1 / t)[0] / y.length;
            assertEquals(0, g, 1e-9, "derivative at the fit");
            double best = meanNll(p, y, t);
            for (int j = -400; j <= 400; j++) {
                double other = t * Math.exp(j * 1e-3);
                assertTrue(meanNll(p, y, other) >= best - 1e-12, "T " + other + " beats the fit " + t);
            }
            // about the sharpening undone (labels are drawn at T = 1 of the unsharpened logits)
            assertEquals(sharpen, t, 0.25 * sharpen, "sharpen " + sharpen);
        }
    }

    @Test
    void theSearchStopsAtTheBoundItsMinimumLiesBeyond() {
        int n = 200;
        float[] p = new float[n * C];
        int[] right = new int[n];
        int[] wrong = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < C; k++) p[i * C + k] = k == i % C ? 0.91f : 0.01f;
            right[i] = i % C;
            wrong[i] = (i + 1) % C;
        }
        // always right: sharper is always better, down to the smallest T; always wrong: as flat as allowed
        assertEquals(TemperatureScaling.MIN_T, TemperatureScaling.fit(p, right, C), 1e-12);
        assertEquals(TemperatureScaling.MAX_T, TemperatureScaling.fit(p, wrong, C), 1e-9);
    }

    @Test
    void aSearchWithoutRowsStopsAtOnce() {
        TemperatureScaling.Search search = new TemperatureScaling.Search();
        search.update(0, 0);
        assertTrue(search.done());
        assertEquals(1.0, search.temperature());
    }

    @Test
    void crossValidationScoresEachHalfAtTheOtherHalfsFit() {
        Random rnd = new Random(5);
        int[] y = new int[1000];
        float[] p = overconfident(rnd, y.length, 2.0, y);
        TemperatureScaling.Calibrated cv = TemperatureScaling.crossValidated(p, y, C, 3, 9);
        // recomputed by hand from the halves: fit on one, score on the other, both ways, 3 repeats
        double nll = 0;
        double t = 0;
        for (int r = 0; r < 3; r++) {
            for (int f = 0; f < 2; f++) {
                int fr = r;
                int ff = f;
                int[] fit = java.util.stream.IntStream.range(0, y.length)
                        .filter(i -> TemperatureScaling.inFirstHalf(9, fr, i) == (ff == 0)).toArray();
                int[] score = java.util.stream.IntStream.range(0, y.length)
                        .filter(i -> TemperatureScaling.inFirstHalf(9, fr, i) != (ff == 0)).toArray();
                double tf = TemperatureScaling.fit(rows(p, fit), labels(y, fit), C);
                nll += meanNll(rows(p, score), labels(y, score), tf);
                t += tf;
            }
        }
        assertEquals(nll / 6, cv.nll(), 1e-9);
        assertEquals(t / 6, cv.temperature(), 1e-9);
        assertTrue(cv.nll() < ClassificationMetrics.nll(p, y, C), "calibration helps");
    }

    private static float[] rows(float[] p, int[] idx) {
        float[] out = new float[idx.length * C];
        for (int i = 0; i < idx.length; i++) System.arraycopy(p, idx[i] * C, out, i * C, C);
        return out;
    }

    private static int[] labels(int[] y, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = y[idx[i]];
        return out;
    }
}
