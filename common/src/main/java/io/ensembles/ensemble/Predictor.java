package io.ensembles.ensemble;

import io.ensembles.data.Batches;
import io.ensembles.data.ImageDataset;
import io.ensembles.data.Normalisation;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Class probabilities of one network on a data set, row-major [n * classes]. */
public final class Predictor {
    private Predictor() {}

    public static float[] probabilities(ComputationGraph net, ImageDataset d, Normalisation norm, int batchSize) {
        int c = d.classes();
        float[] out = new float[d.size() * c];
        for (int from = 0; from < d.size(); from += batchSize) {
            int to = Math.min(d.size(), from + batchSize);
            INDArray x = Batches.features(d, null, from, to, norm);
            INDArray p = net.outputSingle(false, x);
            float[] rows = p.data().asFloat();
            if (rows.length != (to - from) * c) {
                throw new IllegalStateException("the model outputs " + p.shapeInfoToString()
                        + " but the data has " + c + " classes");
            }
            System.arraycopy(rows, 0, out, from * c, rows.length);
        }
        return out;
    }
}
