package io.ensembles.landscape;

import java.util.List;

/**
 * What {@code ensemble landscape} measured, as written to {@code landscape.json}: the checkpoints
 * (ensemble/member) and the trajectory each belongs to (one per independently trained member, one
 * per snapshot run), the pairwise weight-space cosines and function-space disagreements on the same
 * test points, each checkpoint's error, the ensemble-size curves of independent members against
 * snapshots of one run, and the interpolation lines.
 */
public record LandscapeResult(int points, List<String> checkpoints, List<String> trajectories,
                              double[][] cosine, double[][] disagreement, double[] error,
                              List<SizeCurve> sizeCurves, List<Line> lines) {
    /** NLL and accuracy of the ensemble of the first k members, k = 1, 2, ... */
    public record SizeCurve(String name, List<String> members, double[] nll, double[] accuracy) {}

    /** The straight line between two checkpoints. */
    public record Line(String name, String from, String to, List<Interpolation.Point> points) {}
}
