package io.ensembles.landscape;

import de.javagl.tsne.Tsne;
import java.util.List;

/**
 * A 2-D t-SNE map of checkpoints in function space: each checkpoint is the vector of its predicted
 * probabilities on the same test points, so checkpoints that predict alike land close together
 * (the study's figure of training trajectories). Barnes-Hut t-SNE with a fixed seed, so the same
 * predictions always give the same map.
 *
 * @param perplexity the effective number of neighbours the map was made with
 * @param xy         one (x, y) per checkpoint, in the order given
 */
public record Embedding(double perplexity, double[][] xy) {
    /** Fewer checkpoints than this make no meaningful map (t-SNE needs 3 x perplexity + 1 points). */
    public static final int MIN_POINTS = 4;
    /** The usual perplexity; capped for small sets, where Barnes-Hut needs points - 1 >= 3 x perplexity. */
    public static final double DEFAULT_PERPLEXITY = 30;
    /**
     * Barnes-Hut accuracy (0 would be exact; the library has no exact mode). Checkpoint sets are
     * small, tens to hundreds, so a near-exact gradient costs little; with the usual 0.5, single
     * checkpoints of the 35-point map in docs/benchmarks were flung far from their own trajectory.
     */
    public static final double THETA = 0.02;

    /**
     * The map of {@code probs} (one array per checkpoint, all of one length), or null with fewer than
     * {@link #MIN_POINTS} checkpoints.
     */
    public static Embedding of(List<float[]> probs, long seed) {
        int n = probs.size();
        if (n < MIN_POINTS) return null;
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            float[] p = probs.get(i);
            if (p.length != probs.get(0).length) {
                throw new IllegalArgumentException("checkpoint " + i + " has " + p.length + " probabilities, "
                        + "checkpoint 0 has " + probs.get(0).length);
            }
            x[i] = new double[p.length];
            for (int j = 0; j < p.length; j++) x[i][j] = p[j];
        }
        double perplexity = Math.min(DEFAULT_PERPLEXITY, (n - 1) / 3.0);
        Tsne tsne = new Tsne();
        tsne.setOutputDims(2);
        tsne.setPerplexity(perplexity);
        tsne.setRandomSeed(seed);
        tsne.setInitialDims(0); // no PCA first: the library's keeps a D x D basis (D = points x classes)
        tsne.setTheta(THETA);
        tsne.setMessageConsumer(null);
        return new Embedding(perplexity, tsne.run(x));
    }
}
