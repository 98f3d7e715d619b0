package io.ensembles.landscape;

import io.ensembles.metrics.Diversity;
import java.util.List;

/**
 * Function-space similarity: the share of test points on which two checkpoints predict different
 * classes, and that share divided by the error (the study's normalisation: disagreement can be
 * as large as the error allows).
 */
public final class FunctionSpace {
    private FunctionSpace() {}

    /** Pairwise disagreement of the checkpoints' probabilities on the same rows (0 on the diagonal). */
    public static double[][] disagreementMatrix(List<float[]> probs, int classes) {
        int n = probs.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                m[i][j] = Diversity.disagreement(probs.get(i), probs.get(j), classes);
                m[j][i] = m[i][j];
            }
        }
        return m;
    }

    /** Disagreement over the error of the reference checkpoint (NaN when that error is 0). */
    public static double overError(double disagreement, double error) {
        return error > 0 ? disagreement / error : Double.NaN;
    }
}
