package io.ensembles.landscape;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Weight-space similarity: the cosine of the angle between two checkpoints' parameter vectors. */
public final class WeightSpace {
    private WeightSpace() {}

    /** cos(a, b) = a·b / (|a| |b|), in double precision; 1 for a vector with itself, -1 with its negation. */
    public static double cosine(INDArray a, INDArray b) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("checkpoints with " + a.length() + " and " + b.length()
                    + " parameters cannot be compared in weight space (different architectures)");
        }
        INDArray x = a.reshape(a.length()).castTo(DataType.DOUBLE);
        INDArray y = b.reshape(b.length()).castTo(DataType.DOUBLE);
        double nx = x.norm2Number().doubleValue();
        double ny = y.norm2Number().doubleValue();
        if (nx == 0 || ny == 0) return Double.NaN;
        return x.mul(y).sumNumber().doubleValue() / (nx * ny);
    }

    /** The symmetric matrix of pairwise cosines (1 on the diagonal). */
    public static double[][] cosineMatrix(List<INDArray> params) {
        int n = params.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1.0;
            for (int j = i + 1; j < n; j++) {
                m[i][j] = cosine(params.get(i), params.get(j));
                m[j][i] = m[i][j];
            }
        }
        return m;
    }
}
