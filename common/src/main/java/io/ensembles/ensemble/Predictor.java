package io.ensembles.ensemble;

import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Class probabilities of one network on a data set, row-major [n * classes]. A network with
 * several softmax outputs (a Packed-Ensemble, one head per packed member) is read head by head
 * ({@link #heads}) or as the ensemble of its heads, the mean of their softmaxes ({@link #probabilities}).
 */
public final class Predictor {
    private Predictor() {}

    public static float[] probabilities(ComputationGraph net, ExampleSet d, Normalisation norm, int batchSize) {
        float[][] h = heads(net, d, norm, batchSize);
        return h.length == 1 ? h[0] : io.ensembles.metrics.ClassificationMetrics.average(java.util.Arrays.asList(h));
    }

    /** Every output's probabilities, {@code [output][i * classes + k]}, all from one forward pass per batch. */
    public static float[][] heads(ComputationGraph net, ExampleSet d, Normalisation norm, int batchSize) {
        int c = d.classes();
        int outputs = net.getNumOutputArrays();
        float[][] out = new float[outputs][d.size() * c];
        for (int from = 0; from < d.size(); from += batchSize) {
            int to = Math.min(d.size(), from + batchSize);
            INDArray x = Batches.features(d, null, from, to, norm);
            INDArray[] ps = net.output(false, x);
            for (int o = 0; o < outputs; o++) {
                float[] rows = ps[o].data().asFloat();
                if (rows.length != (to - from) * c) {
                    throw new IllegalStateException("the model outputs " + ps[o].shapeInfoToString()
                            + " but the data has " + c + " classes");
                }
                System.arraycopy(rows, 0, out[o], from * c, rows.length);
            }
        }
        return out;
    }
}
