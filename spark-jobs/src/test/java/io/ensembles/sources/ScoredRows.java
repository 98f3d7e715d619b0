package io.ensembles.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The scoring output's contract, checked row by row (shared by the scoring tests). */
final class ScoredRows {
    private ScoredRows() {}

    /** Every row: probabilities sum to 1, prediction = argmax, confidence = max, entropy = -sum p log p, ... */
    static void check(Dataset<Row> scored, List<String> classNames, int members) {
        List<Row> rows = scored.collectAsList();
        assertTrue(!rows.isEmpty());
        boolean withMembers = Arrays.asList(scored.columns()).contains("member_probabilities");
        for (Row r : rows) {
            List<Double> p = r.getList(r.fieldIndex("probability"));
            assertEquals(classNames.size(), p.size());
            double sum = 0;
            double h = 0;
            int argmax = 0;
            for (int k = 0; k < p.size(); k++) {
                sum += p.get(k);
                if (p.get(k) > 0) h -= p.get(k) * Math.log(p.get(k));
                if (p.get(k) > p.get(argmax)) argmax = k;
            }
            assertEquals(1.0, sum, 1e-6, "probabilities sum to 1");
            double prediction = r.getDouble(r.fieldIndex("prediction"));
            assertEquals(argmax, prediction, 0.0, "prediction = argmax");
            assertEquals(classNames.get(argmax), r.getString(r.fieldIndex("predicted_label")));
            assertEquals(p.get(argmax), r.getDouble(r.fieldIndex("confidence")), 0.0, "confidence = max");
            assertEquals(h, r.getDouble(r.fieldIndex("entropy")), 1e-9, "entropy = -sum p log p");
            double mi = r.getDouble(r.fieldIndex("mutual_information"));
            assertTrue(mi >= 0 && mi <= h + 1e-9, "0 <= mutual information <= entropy: " + mi);
            double d = r.getDouble(r.fieldIndex("disagreement"));
            assertTrue(d >= 0 && d <= 1, "disagreement " + d);
            assertNotNull(r.get(r.fieldIndex("is_ood")), "is_ood once an evaluation fitted the threshold");
            if (withMembers) assertEquals(members, r.getJavaMap(r.fieldIndex("member_probabilities")).size());
        }
    }
}
