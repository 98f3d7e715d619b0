package io.ensembles.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sums, filled block by block and merged in any order, give the metrics the whole-array
 * functions compute (an independent implementation of each).
 */
class EnsembleStatisticsTest {
    private static final int C = 4;
    private static final int K = 3;
    private static final int N = 1003;

    private static float[] randomProbs(Random rnd, int n) {
        float[] p = new float[n * C];
        for (int i = 0; i < n; i++) {
            double s = 0;
            double[] z = new double[C];
            for (int k = 0; k < C; k++) s += z[k] = Math.exp(2 * rnd.nextGaussian());
            for (int k = 0; k < C; k++) p[i * C + k] = (float) (z[k] / s);
        }
        return p;
    }

    @Test
    void blocksMergedInAnyOrderGiveTheWholeArrayMetrics() {
        Random rnd = new Random(3);
        List<float[]> members = new ArrayList<>();
        for (int m = 0; m < K; m++) members.add(randomProbs(rnd, N));
        int[] y = new int[N];
        for (int i = 0; i < N; i++) y[i] = rnd.nextInt(C);
        int[][] subsets = {{0}, {1}, {2}, {0, 1}, {0, 2}, {0, 1, 2}};
        int bins = 15;

        TemperatureCrossValidation[] cv = new TemperatureCrossValidation[subsets.length];
        for (int s = 0; s < subsets.length; s++) cv[s] = new TemperatureCrossValidation(C, 5, 11);
        EnsembleStatistics base = null;
        TemperatureCrossValidation.Round[] rounds;
        for (int round = 0; (rounds = TemperatureCrossValidation.next(cv)) != null; round++) {
            EnsembleStatistics proto = new EnsembleStatistics(C, bins, K, subsets, round == 0, rounds);
            // uneven blocks, merged in a shuffled order, as partitions would be
            List<EnsembleStatistics> parts = new ArrayList<>();
            int[] cuts = {0, 1, 250, 251, 700, N};
            for (int b = 0; b + 1 < cuts.length; b++) {
                int from = cuts[b];
                int len = cuts[b + 1] - from;
                float[][] block = new float[K][];
                for (int m = 0; m < K; m++) block[m] = Arrays.copyOfRange(members.get(m), from * C, (from + len) * C);
                parts.add(proto.emptyCopy().addBlock(from, Arrays.copyOfRange(y, from, from + len), block));
            }
            Collections.shuffle(parts, new Random(round));
            EnsembleStatistics all = proto.emptyCopy();
            for (EnsembleStatistics p : parts) all.merge(p);
            assertEquals(N, all.examples());
            for (int s = 0; s < subsets.length; s++) if (rounds[s] != null) cv[s].finish(all.round(s));
            if (round == 0) base = all;
        }
        for (int s = 0; s < subsets.length; s++) {
            List<float[]> of = Arrays.stream(subsets[s]).mapToObj(members::get).toList();
            float[] avg = ClassificationMetrics.average(of);
            String at = "subset " + Arrays.toString(subsets[s]);
            assertEquals(ClassificationMetrics.accuracy(avg, y, C), base.accuracy(s), 1e-12, at);
            assertEquals(ClassificationMetrics.nll(avg, y, C), base.nll(s), 1e-9, at);
            assertEquals(ClassificationMetrics.brier(avg, y, C), base.brier(s), 1e-9, at);
            assertEquals(ClassificationMetrics.ece(avg, y, C, bins), base.ece(s), 1e-9, at);
            assertEquals(Diversity.meanDisagreement(of, C), base.disagreement(s), 1e-12, at);
            var whole = ClassificationMetrics.reliability(avg, y, C, bins);
            var sums = base.reliability(s);
            for (int b = 0; b < bins; b++) {
                assertEquals(whole.get(b).count(), sums.get(b).count(), at);
                assertEquals(whole.get(b).confidence(), sums.get(b).confidence(), 1e-9, at);
                assertEquals(whole.get(b).accuracy(), sums.get(b).accuracy(), 1e-12, at);
            }
            assertEquals(Diversity.meanKl(of, C), base.kl(s), 1e-9, at);
            TemperatureScaling.Calibrated wholeCal = TemperatureScaling.crossValidated(avg, y, C, 5, 11);
            TemperatureScaling.Calibrated merged = cv[s].result(1 - base.accuracy(s));
            assertEquals(wholeCal.nll(), merged.nll(), 1e-9, at);
            assertEquals(wholeCal.temperature(), merged.temperature(), 1e-9, at);
        }
        // the mixture of three confident random members is far from calibrated: T matters
        assertEquals(true, cv[5].result(0).temperature() != 1.0);
    }

    @Test
    void theSplitHalvesAreAboutHalfAndDifferByRepeat() {
        int first = 0;
        int same = 0;
        for (long i = 0; i < 10000; i++) {
            boolean a = TemperatureScaling.inFirstHalf(7, 0, i);
            if (a) first++;
            if (a == TemperatureScaling.inFirstHalf(7, 1, i)) same++;
        }
        assertEquals(5000, first, 150);
        assertEquals(5000, same, 150, "repeats split independently");
    }
}
