package io.ensembles.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComparisonTest {
    private static List<float[]> members(Random rnd, int k, int n, int c, int[] y, double skill, double shared) {
        // members share part of their noise: shared = 1 makes them identical (no ensembling gain)
        double[][] common = new double[n][c];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) common[i][j] = rnd.nextGaussian();
        List<float[]> out = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            float[] p = new float[n * c];
            for (int i = 0; i < n; i++) {
                double s = 0;
                double[] z = new double[c];
                for (int j = 0; j < c; j++) {
                    z[j] = Math.exp(shared * common[i][j] + (1 - shared) * rnd.nextGaussian() + (j == y[i] ? skill : 0));
                    s += z[j];
                }
                for (int j = 0; j < c; j++) p[i * c + j] = (float) (z[j] / s);
            }
            out.add(p);
        }
        return out;
    }

    @Test
    void deepEnsembleEquivalentOfEverySize() {
        Random rnd = new Random(11);
        int n = 2000;
        int c = 5;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(c);
        List<String> ids = List.of("a", "b", "c", "d");
        double[] one = {1, 1, 1, 1};
        EvaluationReport deep = EvaluationReport.compute("deep", ids, members(rnd, 4, n, c, y, 1.5, 0.0), one, 1, y,
                c, 15, 6);
        EvaluationReport snap = EvaluationReport.compute("sse", ids, members(rnd, 4, n, c, y, 1.5, 0.8),
                new double[] {0.25, 0.25, 0.25, 0.25}, 1, y, c, 15, 6);
        List<Comparison.Row> rows = Comparison.compute(List.of(new Comparison.Entry("deep", "deep", deep),
                new Comparison.Entry("sse", "sse", snap)));
        assertEquals(8, rows.size());
        // the deep ensemble is its own yardstick: DEE(k) = k while its curve rises
        for (int k = 1; k <= 4; k++) assertEquals(k, rows.get(k - 1).dee(), 1e-9, "deep at size " + k);
        // strongly correlated snapshots gain less than independent members
        Comparison.Row sse4 = rows.get(7);
        assertTrue(sse4.dee() >= 1 && sse4.dee() < 4, "DEE of 4 correlated members: " + sse4.dee());
        assertEquals(1.0, sse4.budget(), 1e-12);
        String table = Comparison.table(rows);
        assertTrue(table.contains("DEE") && table.contains("sse"), table);
    }
}
