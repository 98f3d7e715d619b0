package io.ensembles.jobs;

import io.ensembles.metrics.ClassificationMetrics;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * Adaptive ECE of every subset's averaged prediction on the test blocks, exactly as
 * {@link ClassificationMetrics#adaptiveEce} computes it on whole arrays, without a distributed sort.
 * <p>
 * An example's place in the order is one long, {@code (float bits of its confidence) << 33 | index}:
 * confidences are non-negative floats, whose bits order as the values do, and ties fall back to the
 * example index, as the one-machine stable sort orders them. Each partition sorts its keys once per
 * subset and keeps them. The bins' edges are the keys at ranks floor(k n / bins): each is found by
 * narrowing, every round counting (by binary search in the sorted keys) how many keys of a range
 * fall in each of {@value #BUCKETS} buckets, until a range holds few enough keys to gather. One
 * last pass sums the confidences and the correct predictions of each bin. Only counts and the few
 * gathered keys reach the driver.
 */
final class AdaptiveEce {
    static final int BUCKETS = 128;
    /** A range with at most this many keys is gathered instead of narrowed further. */
    static final int GATHER = 4096;
    private static final int INDEX_BITS = 33;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private AdaptiveEce() {}

    /** One partition's sorted keys per subset, and whether each of its examples is predicted right per subset. */
    record Keys(long first, long[][] sorted, boolean[][] correct) implements Serializable {}

    static long key(float confidence, long index) {
        if (index < 0 || index > INDEX_MASK) throw new IllegalArgumentException("example index out of range: " + index);
        // below 2 the bits fit 30 bits, so the key stays a positive long; a probability is at most 1 (plus rounding)
        if (!(confidence >= 0f && confidence < 2f)) {
            throw new IllegalArgumentException("confidence of example " + index + " is " + confidence + ", expected a probability");
        }
        return ((long) Float.floatToIntBits(confidence + 0.0f) << INDEX_BITS) | index;
    }

    static float confidence(long key) {
        return Float.intBitsToFloat((int) (key >>> INDEX_BITS));
    }

    /** The first position whose key is >= {@code k}. */
    static int lowerBound(long[] a, long k) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < k) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    static Keys keys(PredictionStage.Block b, int[][] subsets, int classes) {
        int n = b.labels().length;
        long[][] sorted = new long[subsets.length][n];
        boolean[][] correct = new boolean[subsets.length][n];
        float[] avg = new float[classes];
        for (int s = 0; s < subsets.length; s++) {
            for (int i = 0; i < n; i++) {
                ClassificationMetrics.averageRow(b.probs(), subsets[s], i * classes, classes, avg);
                int pred = ClassificationMetrics.argmax(avg, 0, classes);
                sorted[s][i] = key(avg[pred], b.first() + i);
                correct[s][i] = pred == b.labels()[i];
            }
            Arrays.sort(sorted[s]);
        }
        return new Keys(b.first(), sorted, correct);
    }

    /** Edge {@code edge} of one subset: the key at {@code rank}, the range it lies in, and how many keys lie below the range. */
    private static final class Target {
        final int subset;
        final int edge;
        final long rank;
        long lo = 0;
        long hi = Long.MAX_VALUE;
        long below;
        long found = -1;

        Target(int subset, int edge, long rank) {
            this.subset = subset;
            this.edge = edge;
            this.rank = rank;
        }
    }

    static double[] compute(JavaRDD<PredictionStage.Block> test, int[][] subsets, int classes, int bins, long n) {
        return compute(test, subsets, classes, bins, n, GATHER);
    }

    /** As above, gathering a range once it holds at most {@code gather} keys. */
    static double[] compute(JavaRDD<PredictionStage.Block> test, int[][] subsets, int classes, int bins, long n, int gather) {
        JavaRDD<Keys> keys = test.map(b -> keys(b, subsets, classes)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            int b = (int) Math.min(bins, n);
            List<Target> targets = new ArrayList<>();
            for (int s = 0; s < subsets.length; s++) {
                for (int k = 1; k < b; k++) targets.add(new Target(s, k - 1, k * n / b));
            }
            locate(keys, targets, gather);
            long[][] edges = new long[subsets.length][b - 1];
            for (Target t : targets) edges[t.subset][t.edge] = t.found;
            double[][][] sums = keys.map(k -> binSums(k, edges, b)).treeReduce(AdaptiveEce::add);
            double[] ece = new double[subsets.length];
            for (int s = 0; s < subsets.length; s++) {
                for (int k = 0; k < b; k++) ece[s] += Math.abs(sums[s][k][1] - sums[s][k][0]) / n;
            }
            return ece;
        } finally {
            keys.unpersist(false);
        }
    }

    /** Narrows every target's range until it can be gathered, then finds its key. */
    private static void locate(JavaRDD<Keys> keys, List<Target> targets, int gather) {
        while (true) {
            List<Target> open = targets.stream().filter(t -> t.found < 0).toList();
            if (open.isEmpty()) return;
            long[][] ranges = new long[open.size()][];
            for (int i = 0; i < ranges.length; i++) ranges[i] = new long[] {open.get(i).subset, open.get(i).lo, open.get(i).hi};
            // how many keys each open range holds, per bucket
            long[] counts = keys.map(k -> bucketCounts(k, ranges)).treeReduce(AdaptiveEce::addCounts);
            List<Integer> gatherNow = new ArrayList<>();
            for (int i = 0; i < ranges.length; i++) {
                Target t = open.get(i);
                long total = 0;
                for (int j = 0; j < BUCKETS; j++) total += counts[i * BUCKETS + j];
                if (total <= gather) {
                    gatherNow.add(i);
                    continue;
                }
                long seen = t.below;
                int j = 0;
                while (seen + counts[i * BUCKETS + j] <= t.rank) seen += counts[i * BUCKETS + j++];
                long[] e = edges(t.lo, t.hi);
                t.below = seen;
                t.lo = e[j];
                t.hi = e[j + 1];
            }
            if (gatherNow.isEmpty()) continue;
            long[][] wanted = new long[gatherNow.size()][];
            for (int i = 0; i < wanted.length; i++) wanted[i] = ranges[gatherNow.get(i)];
            List<long[][]> parts = keys.map(k -> inRanges(k, wanted)).collect();
            for (int i = 0; i < wanted.length; i++) {
                Target t = open.get(gatherNow.get(i));
                int at = i;
                long[] all = parts.stream().flatMapToLong(p -> Arrays.stream(p[at])).sorted().toArray();
                t.found = all[(int) (t.rank - t.below)];
            }
        }
    }

    /** The bucket edges of [lo, hi): BUCKETS + 1 of them from lo to hi (equal ones at the end for a narrow range). */
    static long[] edges(long lo, long hi) {
        long[] e = new long[BUCKETS + 1];
        long width = (hi - lo) / BUCKETS + 1; // hi - lo never overflows: 0 <= lo < hi
        for (int j = 0; j < BUCKETS; j++) {
            long step = j * width;
            e[j] = step >= hi - lo ? hi : lo + step;
        }
        e[BUCKETS] = hi;
        return e;
    }

    private static long[] bucketCounts(Keys k, long[][] ranges) {
        long[] flat = new long[ranges.length * BUCKETS];
        for (int i = 0; i < ranges.length; i++) {
            long[] e = edges(ranges[i][1], ranges[i][2]);
            long[] a = k.sorted()[(int) ranges[i][0]];
            int prev = lowerBound(a, e[0]);
            for (int j = 0; j < BUCKETS; j++) {
                int next = lowerBound(a, e[j + 1]);
                flat[i * BUCKETS + j] = next - prev;
                prev = next;
            }
        }
        return flat;
    }

    /** This partition's keys in each range (subset, lo, hi). */
    private static long[][] inRanges(Keys k, long[][] ranges) {
        long[][] out = new long[ranges.length][];
        for (int i = 0; i < ranges.length; i++) {
            long[] a = k.sorted()[(int) ranges[i][0]];
            out[i] = Arrays.copyOfRange(a, lowerBound(a, ranges[i][1]), lowerBound(a, ranges[i][2]));
        }
        return out;
    }

    /** Per subset and bin: [sum of confidences, correct predictions] of this partition's keys. */
    private static double[][][] binSums(Keys k, long[][] edges, int b) {
        double[][][] sums = new double[edges.length][b][2];
        for (int s = 0; s < edges.length; s++) {
            long[] a = k.sorted()[s];
            int bin = 0;
            for (long key : a) {
                while (bin < b - 1 && key >= edges[s][bin]) bin++;
                sums[s][bin][0] += confidence(key);
                if (k.correct()[s][(int) ((key & INDEX_MASK) - k.first())]) sums[s][bin][1]++;
            }
        }
        return sums;
    }

    private static long[] addCounts(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return a;
    }

    private static double[][][] add(double[][][] a, double[][][] b) {
        for (int s = 0; s < a.length; s++) {
            for (int k = 0; k < a[s].length; k++) {
                a[s][k][0] += b[s][k][0];
                a[s][k][1] += b[s][k][1];
            }
        }
        return a;
    }
}
