package io.ensembles.jobs;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import io.ensembles.report.OodEvaluation;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;
import scala.Tuple3;

/**
 * OOD detection (AUROC, AUPR, FPR at 95% TPR: a walk down the scores), which ranks examples
 * rather than adding them up, computed on the cluster with a sort: a distributed sort, one pass
 * that counts what every partition holds (one small row per partition and group reaches the
 * driver), and one pass that walks every partition from its offset. The results equal
 * {@link OodDetection#evaluate} on whole arrays: ties are grouped by score for the walk, as there.
 * (Adaptive ECE, which needs only a few ranks, is {@link AdaptiveEce}.)
 */
final class RankingJobs {
    private RankingJobs() {}

    /** Sort key: group, then value, then a tie-break, all ascending. */
    record Key(int group, double value, long tie) implements Comparable<Key>, Serializable {
        @Override
        public int compareTo(Key o) {
            int c = Integer.compare(group, o.group);
            if (c != 0) return c;
            c = Double.compare(value, o.value);
            return c != 0 ? c : Long.compare(tie, o.tie);
        }
    }

    /**
     * For every partition of a sorted RDD and every group in it, the sums of the counts in the
     * partitions before it ({@code [partition] -> group -> counts}).
     */
    private static List<Map<Integer, long[]>> offsets(JavaPairRDD<Key, long[]> sorted, int width) {
        List<Tuple3<Integer, Integer, long[]>> totals = sorted.mapPartitionsWithIndex((pi, it) -> {
            Map<Integer, long[]> sums = new HashMap<>();
            while (it.hasNext()) {
                Tuple2<Key, long[]> t = it.next();
                long[] s = sums.computeIfAbsent(t._1().group(), g -> new long[width]);
                for (int w = 0; w < width; w++) s[w] += t._2()[w];
            }
            List<Tuple3<Integer, Integer, long[]>> out = new ArrayList<>();
            sums.forEach((g, s) -> out.add(new Tuple3<>(pi, g, s)));
            return out.iterator();
        }, true).collect();
        int partitions = sorted.getNumPartitions();
        List<Map<Integer, long[]>> before = new ArrayList<>();
        Map<Integer, long[]> running = new HashMap<>();
        for (int pi = 0; pi < partitions; pi++) {
            Map<Integer, long[]> here = new HashMap<>();
            running.forEach((g, s) -> here.put(g, s.clone()));
            before.add(here);
            for (Tuple3<Integer, Integer, long[]> t : totals) {
                if (t._1() != pi) continue;
                long[] s = running.computeIfAbsent(t._2(), g -> new long[width]);
                for (int w = 0; w < width; w++) s[w] += t._3()[w];
            }
        }
        before.add(running); // the last entry: the totals
        return before;
    }

    /** OOD detection of the first k members, k = 1..members, with the test blocks in and the OOD blocks out. */
    static List<OodEvaluation.Row> ood(JavaRDD<PredictionStage.Block> test, JavaRDD<PredictionStage.Block> ood, int members,
                                       int classes) {
        int scores = OodEvaluation.SCORES.size();
        JavaPairRDD<Key, long[]> recs = test.union(ood).flatMapToPair(b -> {
            boolean out = b.set().equals(PredictionStage.OOD);
            List<Tuple2<Key, long[]>> list = new ArrayList<>();
            for (int size = 1; size <= members; size++) {
                List<float[]> first = java.util.Arrays.asList(b.probs()).subList(0, size);
                float[] avg = ClassificationMetrics.average(first);
                for (int sc = 0; sc < scores; sc++) {
                    double[] v = switch (sc) {
                        case 0 -> OodDetection.oneMinusMaxProbability(avg, classes);
                        case 1 -> OodDetection.entropy(avg, classes);
                        default -> size == 1 ? null : OodDetection.mutualInformation(first, classes);
                    };
                    if (v == null) continue;
                    int group = (size - 1) * scores + sc;
                    // descending score; + 0.0 makes -0.0 and 0.0 one tie group, as == does
                    for (double x : v) list.add(new Tuple2<>(new Key(group, -x + 0.0, 0), new long[] {out ? 1 : 0, out ? 0 : 1}));
                }
            }
            return list.iterator();
        }).reduceByKey((x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
        JavaPairRDD<Key, long[]> sorted = recs.sortByKey(true, Math.max(1, test.getNumPartitions()));
        List<Map<Integer, long[]>> before = offsets(sorted, 2);
        Map<Integer, long[]> totals = before.get(before.size() - 1);
        // per group: AUROC numerator, average precision, FPR at 95% TPR (NaN where not crossed in that partition)
        Map<Integer, double[]> parts = sorted.mapPartitionsWithIndex((pi, it) -> {
            Map<Integer, long[]> run = new HashMap<>();
            before.get(pi).forEach((g, s) -> run.put(g, s.clone()));
            Map<Integer, double[]> acc = new HashMap<>();
            while (it.hasNext()) {
                Tuple2<Key, long[]> t = it.next();
                int g = t._1().group();
                long nPos = totals.get(g)[0];
                long nNeg = totals.get(g)[1];
                long[] r = run.computeIfAbsent(g, x -> new long[2]);
                double[] a = acc.computeIfAbsent(g, x -> new double[] {0, 0, Double.NaN});
                long gPos = t._2()[0];
                long gNeg = t._2()[1];
                boolean below = r[0] < 0.95 * nPos;
                a[0] += gNeg * (r[0] + 0.5 * gPos);
                r[0] += gPos;
                r[1] += gNeg;
                if (gPos > 0) a[1] += (gPos / (double) nPos) * (r[0] / (double) (r[0] + r[1]));
                if (below && r[0] >= 0.95 * nPos) a[2] = r[1] / (double) nNeg;
            }
            List<Tuple2<Integer, double[]>> out = new ArrayList<>();
            acc.forEach((g, a) -> out.add(new Tuple2<>(g, a)));
            return out.iterator();
        }, true).mapToPair(t -> t).reduceByKey((x, y) -> new double[] {x[0] + y[0], x[1] + y[1],
                Double.isNaN(x[2]) ? y[2] : x[2]}).collectAsMap();
        List<OodEvaluation.Row> rows = new ArrayList<>();
        for (int size = 1; size <= members; size++) {
            for (int sc = 0; sc < scores; sc++) {
                int g = (size - 1) * scores + sc;
                double[] a = parts.get(g);
                if (a == null) continue; // mutual information of one member
                long[] t = totals.get(g);
                rows.add(new OodEvaluation.Row(size, OodEvaluation.SCORES.get(sc), a[0] / ((double) t[0] * t[1]), a[1],
                        a[2]));
            }
        }
        return rows;
    }
}
