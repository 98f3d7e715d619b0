package io.ensembles.landscape;

import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loss and accuracy along the straight line between two solutions of the same architecture,
 * theta(lambda) = (1 - lambda) theta_a + lambda theta_b: a barrier in the middle separates two
 * modes; snapshots of one run show little or none. Batch-norm statistics, which DL4J keeps among
 * the parameters, are interpolated with the weights.
 */
public final class Interpolation {
    private Interpolation() {}

    /** One point of the line: NLL and accuracy on the data at {@code lambda}. */
    public record Point(double lambda, double nll, double accuracy) {}

    /** {@code steps + 1} evenly spaced points from lambda = 0 (a itself) to 1 (b itself). */
    public static List<Point> line(ComputationGraph a, ComputationGraph b, ExampleSet data, Normalisation norm,
                                   int batchSize, int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        INDArray pa = a.params();
        INDArray pb = b.params();
        if (pa.length() != pb.length()) {
            throw new IllegalArgumentException("cannot interpolate between networks of " + pa.length() + " and "
                    + pb.length() + " parameters (different architectures)");
        }
        ComputationGraph net = a.clone();
        List<Point> points = new ArrayList<>();
        for (int s = 0; s <= steps; s++) {
            double lambda = (double) s / steps;
            // the end points are the two networks exactly, not a rounding of them
            INDArray theta = s == 0 ? pa.dup() : s == steps ? pb.dup() : pa.mul(1 - lambda).addi(pb.mul(lambda));
            net.setParams(theta);
            float[] probs = Predictor.probabilities(net, data, norm, batchSize);
            points.add(new Point(lambda, ClassificationMetrics.nll(probs, data.labels(), data.classes()),
                    ClassificationMetrics.accuracy(probs, data.labels(), data.classes())));
        }
        return points;
    }
}
