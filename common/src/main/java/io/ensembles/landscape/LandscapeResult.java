package io.ensembles.landscape;

import java.util.List;

/**
 * What {@code ensemble landscape} measured, as written to {@code landscape.json}: the checkpoints
 * (ensemble/member) and the trajectory each belongs to (one per independently trained member, one
 * per snapshot run), the pairwise weight-space cosines and function-space disagreements on the same
 * test points, each checkpoint's error, the t-SNE map of their predictions (null with fewer than
 * {@link Embedding#MIN_POINTS} checkpoints), the ensemble-size curves of independent members against
 * checkpoints of one run, and the interpolation lines.
 */
public record LandscapeResult(int points, List<String> checkpoints, List<String> trajectories,
                              double[][] cosine, double[][] disagreement, double[] error,
                              Embedding embedding, List<SizeCurve> sizeCurves, List<Line> lines) {
    /** Mean cosine and disagreement of the pairs within one trajectory and of those across trajectories. */
    public String summary() {
        double[] within = new double[2];
        double[] across = new double[2];
        int nw = 0;
        int na = 0;
        for (int i = 0; i < checkpoints.size(); i++) {
            for (int j = i + 1; j < checkpoints.size(); j++) {
                boolean same = trajectories.get(i).equals(trajectories.get(j));
                double[] sum = same ? within : across;
                sum[0] += cosine[i][j];
                sum[1] += disagreement[i][j];
                if (same) nw++; else na++;
            }
        }
        return String.format("Landscape of %d checkpoints in %d trajectories on %d test points%n"
                        + "  within one trajectory: %d pairs, mean cosine %s, mean disagreement %s%n"
                        + "  across trajectories:   %d pairs, mean cosine %s, mean disagreement %s",
                checkpoints.size(), trajectories.stream().distinct().count(), points, nw, mean(within[0], nw),
                mean(within[1], nw), na, mean(across[0], na), mean(across[1], na));
    }

    private static String mean(double sum, int n) {
        return n == 0 ? "-" : String.format("%.4f", sum / n);
    }

    /** NLL and accuracy of the ensemble of the first k members, k = 1, 2, ... */
    public record SizeCurve(String name, List<String> members, double[] nll, double[] accuracy) {}

    /** The straight line between two checkpoints. */
    public record Line(String name, String from, String to, List<Interpolation.Point> points) {}
}
