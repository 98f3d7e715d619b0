package io.ensembles.landscape;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Weight-space similarity: the cosine of the angle between two checkpoints' parameter vectors. */
public final class WeightSpace {
    private WeightSpace() {}

    /** cos(a, b) = a·b / (|a| |b|), summed in double; 1 for a vector with itself, -1 with its negation. */
    public static double cosine(INDArray a, INDArray b) {
        return cosine(a.toFloatVector(), b.toFloatVector());
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("checkpoints with " + a.length + " and " + b.length
                    + " parameters cannot be compared in weight space (different architectures)");
        }
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    /**
     * The symmetric matrix of pairwise cosines (1 on the diagonal; NaN between checkpoints of
     * different architectures, which share no weight space). Each norm is computed once.
     */
    public static double[][] cosineMatrix(List<float[]> params) {
        int n = params.size();
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) norm[i] = Math.sqrt(dot(params.get(i), params.get(i)));
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1.0;
            for (int j = i + 1; j < n; j++) {
                float[] a = params.get(i);
                float[] b = params.get(j);
                m[i][j] = a.length == b.length ? dot(a, b) / (norm[i] * norm[j]) : Double.NaN;
                m[j][i] = m[i][j];
            }
        }
        return m;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
