package io.ensembles.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The metrics of the uncertainty literature on cases computed by hand. */
class UncertaintyMetricsTest {
    @Test
    void brierOfPerfectAndUniformPredictions() {
        assertEquals(0.0, ClassificationMetrics.brier(new float[] {1, 0, 0, 0, 1, 0}, new int[] {0, 1}, 3), 1e-12);
        float[] uniform = {0.25f, 0.25f, 0.25f, 0.25f};
        assertEquals(0.75 * 0.75 + 3 * 0.0625, ClassificationMetrics.brier(uniform, new int[] {2}, 4), 1e-7);
        assertEquals(2.0, ClassificationMetrics.brier(new float[] {0, 1}, new int[] {0}, 2), 1e-12);
    }

    @Test
    void adaptiveEceWithEqualMassBins() {
        // confidences 0.6 (right), 0.7 (wrong), 0.8 (right), 0.9 (right); two bins of two
        float[] p = {0.6f, 0.4f, 0.3f, 0.7f, 0.8f, 0.2f, 0.1f, 0.9f};
        int[] y = {0, 0, 0, 1};
        assertEquals(Math.abs(1 - 1.3) / 4 + Math.abs(2 - 1.7) / 4, ClassificationMetrics.adaptiveEce(p, y, 2, 2), 1e-6);
        // one bin: |3 - 3.0| / 4
        assertEquals(0.0, ClassificationMetrics.adaptiveEce(p, y, 2, 1), 1e-6);
        // perfect, fully confident predictions are calibrated
        assertEquals(0.0, ClassificationMetrics.adaptiveEce(new float[] {1, 0, 0, 1}, new int[] {0, 1}, 2, 15), 1e-12);
    }

    @Test
    void temperatureOneIsTheIdentityAndErrorDoesNotMove() {
        float[] p = {0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f};
        assertArrayEquals(p, TemperatureScaling.apply(p, 3, 1.0), 1e-6f);
        float[] hot = TemperatureScaling.apply(p, 3, 4.0);
        assertEquals(ClassificationMetrics.argmax(p, 0, 3), ClassificationMetrics.argmax(hot, 0, 3));
        assertTrue(hot[0] < p[0], "a higher temperature flattens");
    }

    @Test
    void temperatureScalingRecoversAKnownTemperature() {
        // labels drawn from softmax(z); the model reports softmax(3 z): overconfident by T = 3
        Random rnd = new Random(1);
        int n = 20000;
        int c = 5;
        float[] model = new float[n * c];
        float[] truth = new float[n * c];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = new double[c];
            for (int k = 0; k < c; k++) z[k] = rnd.nextGaussian();
            double s1 = 0;
            double s3 = 0;
            for (int k = 0; k < c; k++) {
                s1 += Math.exp(z[k]);
                s3 += Math.exp(3 * z[k]);
            }
            for (int k = 0; k < c; k++) {
                truth[i * c + k] = (float) (Math.exp(z[k]) / s1);
                model[i * c + k] = (float) (Math.exp(3 * z[k]) / s3);
            }
            double u = rnd.nextDouble();
            double cum = 0;
            y[i] = c - 1;
            for (int k = 0; k < c; k++) {
                cum += Math.exp(z[k]) / s1;
                if (u < cum) {
                    y[i] = k;
                    break;
                }
            }
        }
        double t = TemperatureScaling.fit(model, y, c);
        assertEquals(3.0, t, 0.15, "fitted T");
        TemperatureScaling.Calibrated cv = TemperatureScaling.crossValidated(model, y, c, 5, 7);
        double raw = ClassificationMetrics.nll(model, y, c);
        double ideal = ClassificationMetrics.nll(truth, y, c);
        assertTrue(cv.nll() < raw, "calibration helps: " + cv.nll() + " vs " + raw);
        assertEquals(ideal, cv.nll(), 0.01, "and reaches the NLL of the true probabilities");
        assertEquals(ClassificationMetrics.error(model, y, c), cv.error(), 0.0);
        assertEquals(3.0, cv.temperature(), 0.2);
    }

    @Test
    void disagreementAndKl() {
        float[] a = {0.9f, 0.1f, 0.2f, 0.8f, 0.4f, 0.6f};
        float[] b = {0.6f, 0.4f, 0.7f, 0.3f, 0.1f, 0.9f};
        assertEquals(0.0, Diversity.disagreement(a, a, 2));
        assertEquals(1 / 3.0, Diversity.disagreement(a, b, 2), 1e-12);
        assertEquals(0.0, Diversity.kl(a, a, 2), 1e-12);
        float[] half = {0.5f, 0.5f};
        float[] skew = {0.9f, 0.1f};
        assertEquals(0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1), Diversity.kl(half, skew, 2), 1e-6);
        assertEquals((Diversity.kl(half, skew, 2) + Diversity.kl(skew, half, 2)) / 2,
                Diversity.meanKl(List.of(half, skew), 2), 1e-9);
        assertEquals(2 / 9.0, Diversity.meanDisagreement(List.of(a, b, a), 2), 1e-12); // pairs ab, aa, ba: 1/3, 0, 1/3
        assertEquals(0.0, Diversity.meanDisagreement(List.of(a), 2));
    }

    @Test
    void oodScores() {
        float[] p = {1, 0, 0.5f, 0.5f};
        assertArrayEquals(new double[] {0, 0.5}, OodDetection.oneMinusMaxProbability(p, 2), 1e-7);
        assertArrayEquals(new double[] {0, Math.log(2)}, OodDetection.entropy(p, 2), 1e-7);
        // two confident members that disagree: all the uncertainty is mutual information
        double[] mi = OodDetection.mutualInformation(List.of(new float[] {1, 0}, new float[] {0, 1}), 2);
        assertEquals(Math.log(2), mi[0], 1e-7);
        assertEquals(0.0, OodDetection.mutualInformation(List.of(p, p), 2)[1], 1e-7);
    }

    @Test
    void aurocAuprAndFprOnKnownCases() {
        // scikit-learn's example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] -> AUROC 0.75, AP 0.8333
        OodDetection.Result r = OodDetection.evaluate(new double[] {0.1, 0.4}, new double[] {0.35, 0.8});
        assertEquals(0.75, r.auroc(), 1e-12);
        assertEquals((1.0 * 0.5) + (2 / 3.0 * 0.5), r.aupr(), 1e-12);
        assertEquals(0.5, r.fprAt95Tpr(), 1e-12);
        // ties count half: (0.5 vs 0.5) twice half, 0.9 beats both
        assertEquals(0.75, OodDetection.evaluate(new double[] {0.5, 0.5}, new double[] {0.5, 0.9}).auroc(), 1e-12);
        OodDetection.Result perfect = OodDetection.evaluate(new double[] {0.1, 0.2}, new double[] {0.8, 0.9});
        assertEquals(1.0, perfect.auroc());
        assertEquals(1.0, perfect.aupr(), 1e-12);
        assertEquals(0.0, perfect.fprAt95Tpr());
        assertEquals(0.0, OodDetection.evaluate(new double[] {0.8, 0.9}, new double[] {0.1, 0.2}).auroc());
    }

    @Test
    void deepEnsembleEquivalentInterpolatesBetweenSizes() {
        double[] deep = {-0.30, -0.25, -0.22};
        assertEquals(1.8, DeepEnsembleEquivalent.of(-0.26, deep), 1e-9);
        assertEquals(2.0, DeepEnsembleEquivalent.of(-0.25, deep), 1e-9);
        assertEquals(2 + 2 / 3.0, DeepEnsembleEquivalent.of(-0.23, deep), 1e-9);
        assertEquals(1.0, DeepEnsembleEquivalent.of(-0.35, deep), "worse than one member: DEE is 1");
        assertEquals(Double.POSITIVE_INFINITY, DeepEnsembleEquivalent.of(-0.2, deep));
    }

    @Test
    void aurocMatchesThePairwiseDefinitionOnRandomScoresWithTies() {
        Random rnd = new Random(3);
        double[] in = new double[300];
        double[] out = new double[200];
        for (int i = 0; i < in.length; i++) in[i] = Math.round(rnd.nextGaussian() * 10) / 10.0;
        for (int i = 0; i < out.length; i++) out[i] = Math.round((rnd.nextGaussian() + 0.7) * 10) / 10.0;
        double pairs = 0;
        for (double o : out) for (double n : in) pairs += o > n ? 1 : o == n ? 0.5 : 0;
        assertEquals(pairs / (in.length * out.length), OodDetection.evaluate(in, out).auroc(), 1e-12);
    }
}
