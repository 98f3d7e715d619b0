package io.ensembles.jobs;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import io.ensembles.metrics.TemperatureScaling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * What scoring needs, fitted on the executors' predicted blocks of the test set without gathering
 * its rows: the temperature of the ensemble's mean probabilities (one pass per step of
 * {@link TemperatureScaling#fit}'s search, each returning two derivative sums) and an exact
 * quantile of their entropy (histogram passes narrowing to a bin small enough to collect).
 */
final class ScoringFit {
    /** At most this many entropies are gathered on the driver, whatever the size of the test set. */
    static final int GATHER_MAX = 100_000;
    static final int BINS = 4096;

    private ScoringFit() {}

    /** The ensemble's mean probabilities of a block. */
    static float[] mean(EvaluateJob.Block b) {
        return b.probs().length == 1 ? b.probs()[0] : ClassificationMetrics.average(Arrays.asList(b.probs()));
    }

    /** The temperature that minimises the NLL of the mean probabilities, as {@link TemperatureScaling#fit} finds it. */
    static double temperature(JavaRDD<EvaluateJob.Block> test, int classes) {
        TemperatureScaling.Search search = new TemperatureScaling.Search();
        while (!search.done()) {
            double beta = search.beta();
            double[] d = test.map(b -> TemperatureScaling.derivativeSums(mean(b), b.labels(), classes, beta))
                    .treeReduce(ScoringFit::add);
            search.update(d[0], d[1]);
        }
        return search.temperature();
    }

    private static double[] add(double[] a, double[] b) {
        double[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }

    /**
     * The {@code rank}-th smallest (0-based) entropy of the mean probabilities over {@code n} rows:
     * a histogram over [lo, hi] finds the bin that holds it; a bin too full to gather is split again.
     */
    static double entropyAt(JavaRDD<EvaluateJob.Block> test, int classes, long rank) {
        return entropyAt(test, classes, rank, GATHER_MAX);
    }

    /** As above, gathering at most {@code gatherMax} entropies at the end. */
    static double entropyAt(JavaRDD<EvaluateJob.Block> test, int classes, long rank, int gatherMax) {
        double lo = 0;
        double hi = Math.log(classes) * (1 + 1e-9) + 1e-12;
        long below = 0; // rows under lo
        while (true) {
            double from = lo;
            double width = (hi - lo) / BINS;
            long[] counts = test.map(b -> {
                long[] h = new long[BINS];
                for (double e : OodDetection.entropy(mean(b), classes)) {
                    if (e < from || e >= from + width * BINS) continue;
                    h[Math.min(BINS - 1, (int) ((e - from) / width))]++;
                }
                return h;
            }).treeReduce(ScoringFit::addCounts);
            int bin = 0;
            long seen = below;
            while (bin < BINS - 1 && seen + counts[bin] <= rank) seen += counts[bin++];
            double binLo = from + width * bin;
            double binHi = bin == BINS - 1 ? hi : from + width * (bin + 1);
            if (counts[bin] <= gatherMax || width < 1e-15) {
                List<Double> inBin = new ArrayList<>(test.flatMap(b -> {
                    List<Double> out = new ArrayList<>();
                    for (double e : OodDetection.entropy(mean(b), classes)) {
                        if (e >= binLo && e < binHi) out.add(e);
                    }
                    return out.iterator();
                }).collect());
                inBin.sort(Double::compare);
                return inBin.get((int) Math.min(inBin.size() - 1, rank - seen));
            }
            lo = binLo;
            hi = binHi;
            below = seen;
        }
    }

    private static long[] addCounts(long[] a, long[] b) {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }
}
