package io.ensembles.bench;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * Multiply-adds per image of a network's forward pass, from its layer shapes: convolutions
 * (output positions x kernel area x input channels x output channels) and dense layers
 * (inputs x outputs), a grouped layer's divided by its groups. Pooling, activations and batch-norm are left out: they are memory-bound
 * and small. A training step is counted as 3 forward passes (forward, and two backward products).
 */
public final class Flops {
    private Flops() {}

    public static long forwardMacs(ComputationGraphConfiguration conf, InputType input) {
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        long macs = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) continue;
            Layer layer = lv.getLayerConf().getLayer();
            InputType outType = types.get(e.getKey());
            // a grouped layer's output channel sees nIn / groups inputs
            int groups = layer instanceof io.ensembles.model.grouped.GroupedConvolution g ? g.groups()
                    : layer instanceof io.ensembles.model.grouped.GroupedDense g ? g.groups() : 1;
            if (layer instanceof ConvolutionLayer c && outType instanceof InputType.InputTypeConvolutional o) {
                long kernel = (long) c.getKernelSize()[0] * c.getKernelSize()[1];
                macs += o.getHeight() * o.getWidth() * o.getChannels() * kernel * c.getNIn() / groups;
            } else if (layer instanceof DenseLayer || layer instanceof BaseOutputLayer
                    || layer instanceof io.ensembles.model.grouped.GroupedDense) {
                FeedForwardLayer f = (FeedForwardLayer) layer;
                macs += f.getNIn() * f.getNOut() / groups;
            }
        }
        return macs;
    }

    /** Floating-point operations of one training step per image: 2 per multiply-add, 3 passes. */
    public static double trainFlopsPerImage(long forwardMacs) {
        return 2.0 * 3 * forwardMacs;
    }

    public static double inferenceFlopsPerImage(long forwardMacs) {
        return 2.0 * forwardMacs;
    }
}
