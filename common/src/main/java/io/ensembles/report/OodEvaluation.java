package io.ensembles.report;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import java.util.ArrayList;
import java.util.List;

/**
 * Out-of-distribution detection of an ensemble at every size 1..K (members in manifest order):
 * the test set is in-distribution, the OOD set out; scored by 1 - max probability, entropy and
 * mutual information of the first k members.
 */
public final class OodEvaluation {
    /** One (size, score) result. */
    public record Row(int size, String score, double auroc, double aupr, double fprAt95Tpr) {}

    public static final List<String> SCORES = List.of("max-probability", "entropy", "mutual-information");

    private OodEvaluation() {}

    public static List<Row> compute(List<float[]> test, List<float[]> ood, int classes) {
        if (test.size() != ood.size() || test.isEmpty()) {
            throw new IllegalArgumentException("need the same members' predictions on both sets");
        }
        List<Row> rows = new ArrayList<>();
        for (int size = 1; size <= test.size(); size++) {
            List<float[]> t = test.subList(0, size);
            List<float[]> o = ood.subList(0, size);
            float[] tAvg = ClassificationMetrics.average(t);
            float[] oAvg = ClassificationMetrics.average(o);
            for (String score : SCORES) {
                double[] in;
                double[] out;
                switch (score) {
                    case "max-probability" -> {
                        in = OodDetection.oneMinusMaxProbability(tAvg, classes);
                        out = OodDetection.oneMinusMaxProbability(oAvg, classes);
                    }
                    case "entropy" -> {
                        in = OodDetection.entropy(tAvg, classes);
                        out = OodDetection.entropy(oAvg, classes);
                    }
                    default -> {
                        if (size == 1) continue; // one member has no mutual information
                        in = OodDetection.mutualInformation(t, classes);
                        out = OodDetection.mutualInformation(o, classes);
                    }
                }
                OodDetection.Result r = OodDetection.evaluate(in, out);
                rows.add(new Row(size, score, r.auroc(), r.aupr(), r.fprAt95Tpr()));
            }
        }
        return rows;
    }
}
