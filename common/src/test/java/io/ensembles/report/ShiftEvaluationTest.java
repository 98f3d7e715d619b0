package io.ensembles.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ensembles.data.Corruptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShiftEvaluationTest {
    @Test
    void sumsOverBlocksEqualTheWholeArrayComputation() {
        int c = 4;
        int n = 301;
        int k = 3;
        Random rnd = new Random(8);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = rnd.nextInt(c);
        List<Map<String, float[]>> members = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            Map<String, float[]> each = new LinkedHashMap<>();
            for (String name : Corruptions.NAMES) {
                for (int s = 1; s <= 5; s++) {
                    float[] p = new float[n * c];
                    for (int i = 0; i < n; i++) {
                        double[] z = new double[c];
                        double sum = 0;
                        for (int j = 0; j < c; j++) sum += z[j] = Math.exp(rnd.nextGaussian() + (j == y[i] ? 3.0 / s : 0));
                        for (int j = 0; j < c; j++) p[i * c + j] = (float) (z[j] / sum);
                    }
                    each.put(ShiftEvaluation.key(name, s), p);
                }
            }
            members.add(each);
        }
        List<ShiftEvaluation.Row> whole = ShiftEvaluation.compute(members, y, c, 15);
        // two blocks, filled apart and merged
        int cut = 120;
        ShiftEvaluation.Sums a = new ShiftEvaluation.Sums(c, 15, k);
        ShiftEvaluation.Sums b = new ShiftEvaluation.Sums(c, 15, k);
        for (String name : Corruptions.NAMES) {
            for (int s = 1; s <= 5; s++) {
                String key = ShiftEvaluation.key(name, s);
                float[][] first = new float[k][];
                float[][] rest = new float[k][];
                for (int m = 0; m < k; m++) {
                    first[m] = Arrays.copyOfRange(members.get(m).get(key), 0, cut * c);
                    rest[m] = Arrays.copyOfRange(members.get(m).get(key), cut * c, n * c);
                }
                a.add(name, s, Arrays.copyOfRange(y, 0, cut), first);
                b.add(name, s, Arrays.copyOfRange(y, cut, n), rest);
            }
        }
        List<ShiftEvaluation.Row> merged = a.merge(b).rows();
        assertEquals(whole.size(), merged.size());
        for (int i = 0; i < whole.size(); i++) {
            ShiftEvaluation.Row w = whole.get(i);
            ShiftEvaluation.Row m = merged.get(i);
            assertEquals(w.corruption(), m.corruption());
            assertEquals(w.severity(), m.severity());
            assertEquals(w.error(), m.error(), 1e-12, w.toString());
            assertEquals(w.nll(), m.nll(), 1e-9, w.toString());
            assertEquals(w.ece(), m.ece(), 1e-9, w.toString());
            assertEquals(w.meanMemberError(), m.meanMemberError(), 1e-12, w.toString());
            assertEquals(w.meanMemberNll(), m.meanMemberNll(), 1e-9, w.toString());
        }
    }
}
