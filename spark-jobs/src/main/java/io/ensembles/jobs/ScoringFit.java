package io.ensembles.jobs;

import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.metrics.OodDetection;
import io.ensembles.metrics.TemperatureScaling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Manifest;
import java.io.IOException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What scoring needs, fitted on the executors' predicted blocks of the test set without gathering
 * its rows: the temperature of the ensemble's mean probabilities (one pass per step of
 * {@link TemperatureScaling#fit}'s search, each returning two derivative sums) and an exact
 * quantile of their entropy (histogram passes narrowing to a bin small enough to collect).
 */
final class ScoringFit {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringFit.class);

    /** At most this many entropies are gathered on the driver, whatever the size of the test set. */
    static final int GATHER_MAX = 100_000;
    static final int BINS = 4096;

    private ScoringFit() {}

    /**
     * Fits what scoring needs on the test set (held-out, in distribution) and stores it in the
     * manifest: the temperature of the full ensemble's mean probabilities, by NLL, and the entropy
     * threshold below which {@code tpr} of the test rows fall. A format-1 manifest is left as it is.
     */
    static void store(EnsembleLayout layout, Manifest manifest, JavaRDD<PredictionStage.Block> test, long n,
                      int classes, int slots, double tpr, String source) throws IOException {
        if (manifest.formatVersion() < Manifest.FORMAT_VERSION) {
            LOG.info("{} is a format-{} ensemble: its manifest is not rewritten, so scoring has no OOD threshold or "
                    + "temperature (retrain to get them)", layout.root(), manifest.formatVersion());
            return;
        }
        // executor-side passes: the test rows are never gathered here. Every pass reads the mean of
        // the members' probabilities, averaged once per block and kept.
        JavaRDD<PredictionStage.Block> means = test.map(b -> new PredictionStage.Block(b.set(), b.first(), b.labels(),
                new float[][] {mean(b)}, null, null)).persist(StorageLevel.MEMORY_AND_DISK());
        double threshold;
        double t;
        try {
            threshold = entropyAt(means, classes, Math.min(n - 1, Math.max(0, (long) Math.ceil(tpr * n) - 1)));
            t = temperature(means, classes);
        } finally {
            means.unpersist(false);
        }
        Manifest.Scoring scoring = new Manifest.Scoring(t, "entropy", threshold, tpr, source, slots,
                java.time.Instant.now().toString());
        Manifest.read(layout).withScoring(scoring).write(layout);
        LOG.info("scoring settings stored in {}: temperature {}, OOD threshold {} on the entropy ({}% of {} test rows "
                + "below it)", layout.manifest(), String.format("%.4f", t), String.format("%.4f", threshold),
                Math.round(tpr * 100), n);
    }

    /** The ensemble's mean probabilities of a block. */
    static float[] mean(PredictionStage.Block b) {
        return b.probs().length == 1 ? b.probs()[0] : ClassificationMetrics.average(Arrays.asList(b.probs()));
    }

    /** The temperature that minimises the NLL of the mean probabilities, as {@link TemperatureScaling#fit} finds it. */
    static double temperature(JavaRDD<PredictionStage.Block> test, int classes) {
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
    static double entropyAt(JavaRDD<PredictionStage.Block> test, int classes, long rank) {
        return entropyAt(test, classes, rank, GATHER_MAX);
    }

    /** As above, gathering at most {@code gatherMax} entropies at the end. */
    static double entropyAt(JavaRDD<PredictionStage.Block> test, int classes, long rank, int gatherMax) {
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
