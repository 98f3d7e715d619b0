package io.ensembles.ensemble;

import io.ensembles.data.Batches;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MC-dropout prediction (Gal and Ghahramani 2016): T stochastic forward passes with dropout
 * active, whose softmaxes are averaged. DL4J has one "training" switch per forward pass, which
 * would also put batch normalisation into batch-statistics mode; so this walks the graph itself
 * and runs only the layers that carry dropout in training mode, every other layer (batch norm
 * above all) in inference mode. Pass {@code p} draws its masks from seed {@code seed + p}, so a
 * pass is reproducible.
 */
public final class McDropout {
    private McDropout() {}

    /** Whether any layer of the network applies dropout. */
    public static boolean hasDropout(ComputationGraph net) {
        for (GraphVertex v : net.getVertices()) if (dropoutOf(v)) return true;
        return false;
    }

    private static boolean dropoutOf(GraphVertex v) {
        return v.hasLayer() && v.getLayer().conf().getLayer() instanceof BaseLayer bl && bl.getIDropout() != null;
    }

    /** {@code passes} probability arrays (row-major [n * classes]), one per stochastic pass. */
    public static List<float[]> passes(ComputationGraph net, ExampleSet d, Normalisation norm, int batchSize,
                                       int passes, long seed) {
        int c = d.classes();
        List<float[]> out = new ArrayList<>();
        for (int p = 0; p < passes; p++) {
            Nd4j.getRandom().setSeed(seed + p);
            float[] probs = new float[d.size() * c];
            for (int from = 0; from < d.size(); from += batchSize) {
                int to = Math.min(d.size(), from + batchSize);
                INDArray y = forward(net, Batches.features(d, null, from, to, norm));
                float[] rows = y.data().asFloat();
                if (rows.length != (to - from) * c) {
                    throw new IllegalStateException("the model outputs " + y.shapeInfoToString() + " but the data has "
                            + c + " classes");
                }
                System.arraycopy(rows, 0, probs, from * c, rows.length);
            }
            out.add(probs);
        }
        return out;
    }

    /** One forward pass: dropout layers in training mode, all others in inference mode. */
    static INDArray forward(ComputationGraph net, INDArray input) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        GraphVertex[] vertices = net.getVertices();
        List<String> inputs = net.getConfiguration().getNetworkInputs();
        String outputName = net.getConfiguration().getNetworkOutputs().get(0);
        Map<String, INDArray> results = new HashMap<>();
        // preprocessors (flat -> image, image -> flat) read the batch size from the graph's input
        net.setInputs(input);
        try {
            for (int idx : net.topologicalSortOrder()) {
                GraphVertex v = vertices[idx];
                INDArray out;
                if (v.isInputVertex()) {
                    if (inputs.indexOf(v.getVertexName()) != 0) throw new IllegalStateException("one input expected");
                    out = input;
                } else {
                    out = v.doForward(dropoutOf(v), mgr);
                }
                results.put(v.getVertexName(), out);
                VertexIndices[] next = v.getOutputVertices();
                if (next != null) {
                    for (VertexIndices n : next) vertices[n.getVertexIndex()].setInput(n.getVertexEdgeNumber(), out, mgr);
                }
            }
            return results.get(outputName);
        } finally {
            net.clear();
        }
    }

}
