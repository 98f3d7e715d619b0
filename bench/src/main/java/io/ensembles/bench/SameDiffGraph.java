package io.ensembles.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The project's plain networks rebuilt in ND4J's SameDiff, one graph of libnd4j ops, with the
 * DL4J network's parameters copied in: the comparison issue 20 asks for, of DL4J's
 * {@code ComputationGraph} training loop against SameDiff's. Translates the vertices the three
 * architectures use (dense, output, convolution, max-pool, batch norm, ReLU, global average pool,
 * add, and the flat/image reshapes) in the graph's topological order; anything else is refused.
 *
 * <p>Batch normalisation in the training graph normalises with the batch's mean and biased
 * variance, as DL4J and PyTorch do in training; the running averages are not updated (the
 * comparison times steps, it does not train a model to keep). The inference graph uses the copied
 * running averages.
 */
final class SameDiffGraph {
    static final String FEATURES = "features";
    static final String LABELS = "labels";
    static final String LOGITS = "logits";
    static final String PROBABILITIES = "probabilities";
    static final String LOSS = "loss";

    private final SameDiff sd = SameDiff.create();
    private final ComputationGraph net;
    private final boolean training;
    private final Map<String, SDVariable> out = new HashMap<>();

    private final long inputSize;

    private SameDiffGraph(ComputationGraph net, long inputSize, boolean training) {
        this.net = net;
        this.inputSize = inputSize;
        this.training = training;
    }

    /**
     * The SameDiff graph of {@code net} (one flat input of {@code inputSize} values per example, one
     * softmax output) with its current parameters, for training (batch statistics, loss
     * {@value #LOSS}, the given updater and L2 on every parameter) or for inference.
     */
    static SameDiff of(ComputationGraph net, long inputSize, boolean training, IUpdater updater, double l2) {
        SameDiffGraph g = new SameDiffGraph(net, inputSize, training);
        g.build();
        if (training) {
            TrainingConfig.Builder tc = new TrainingConfig.Builder().updater(updater)
                    .dataSetFeatureMapping(FEATURES).dataSetLabelMapping(LABELS);
            if (l2 > 0) tc.l2(l2);
            g.sd.setTrainingConfig(tc.build());
        }
        return g.sd;
    }

    /**
     * A SameDiff parameter's value in DL4J's layout: convolution weights are kept as [kH, kW, in, out]
     * here and [out, in, kH, kW] by DL4J; every other parameter has the same values in the same order.
     */
    static INDArray dl4jLayout(ComputationGraph net, String param, INDArray value) {
        INDArray ref = net.getParam(param);
        if (value.rank() == 4) return value.permute(3, 2, 0, 1);
        return value.reshape(ref.shape());
    }

    /** The trainable parameters of a graph built here, by their DL4J names ({@code <layer>_<key>}). */
    static List<String> parameterNames(SameDiff sd) {
        return sd.variables().stream().filter(v -> v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE)
                .map(SDVariable::name).toList();
    }

    private void build() {
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("one input and one output expected, the network has "
                    + conf.getNetworkInputs() + " -> " + conf.getNetworkOutputs());
        }
        out.put(conf.getNetworkInputs().get(0), sd.placeHolder(FEATURES, net.params().dataType(), -1, inputSize));
        for (String name : conf.getTopologicalOrderStr()) {
            GraphVertex v = conf.getVertices().get(name);
            if (v == null) continue; // the network input
            List<SDVariable> in = new ArrayList<>();
            for (String i : conf.getVertexInputs().get(name)) in.add(out.get(i));
            out.put(name, vertex(name, v, in));
        }
    }

    private SDVariable vertex(String name, GraphVertex v, List<SDVariable> in) {
        if (v instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add && in.size() == 2) {
            return in.get(0).add(in.get(1));
        }
        if (!(v instanceof LayerVertex lv) || in.size() != 1) {
            throw new IllegalArgumentException("vertex " + name + " (" + v.getClass().getSimpleName() + ") has no SameDiff translation");
        }
        SDVariable x = preprocess(name, lv.getPreProcessor(), in.get(0));
        Layer layer = lv.getLayerConf().getLayer();
        if (layer instanceof BaseLayer b && b.getIDropout() != null) {
            throw new IllegalArgumentException("layer " + name + " has dropout, which the comparison does not translate");
        }
        if (layer instanceof OutputLayer o) {
            if (!(o.getActivationFn() instanceof ActivationSoftmax)) throw unsupported(name, layer);
            SDVariable logits = sd.nn.linear(LOGITS, x, param(name, "W"), bias(name));
            sd.nn.softmax(PROBABILITIES, logits, 1);
            if (training) {
                SDVariable labels = sd.placeHolder(LABELS, net.params().dataType(), -1, o.getNOut());
                sd.loss.softmaxCrossEntropy(LOSS, labels, logits, null, LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
                sd.setLossVariables(LOSS);
            }
            return logits;
        }
        if (layer instanceof DenseLayer d) return activation(name, d, sd.nn.linear(x, param(name, "W"), bias(name)));
        if (layer instanceof ConvolutionLayer c) return activation(name, c, conv(name, c, x));
        if (layer instanceof SubsamplingLayer s && s.getPoolingType() == PoolingType.MAX) {
            return sd.cnn.maxPooling2d(x, Pooling2DConfig.builder().kH(s.getKernelSize()[0]).kW(s.getKernelSize()[1])
                    .sH(s.getStride()[0]).sW(s.getStride()[1]).isNHWC(false).build());
        }
        if (layer instanceof BatchNormalization bn) return batchNorm(name, bn, x);
        if (layer instanceof ActivationLayer a) return activation(name, a.getActivationFn(), x);
        if (layer instanceof GlobalPoolingLayer gp && gp.getPoolingType() == PoolingType.AVG) return x.mean(2, 3);
        throw unsupported(name, layer);
    }

    private SDVariable preprocess(String name, InputPreProcessor p, SDVariable x) {
        if (p == null) return x;
        if (p instanceof FeedForwardToCnnPreProcessor f) {
            return x.reshape(-1, f.getNumChannels(), f.getInputHeight(), f.getInputWidth());
        }
        if (p instanceof CnnToFeedForwardPreProcessor c) {
            return x.reshape(-1, c.getNumChannels() * c.getInputHeight() * c.getInputWidth());
        }
        throw new IllegalArgumentException("vertex " + name + ": preprocessor " + p.getClass().getSimpleName() + " has no SameDiff translation");
    }

    private SDVariable conv(String name, ConvolutionLayer c, SDVariable x) {
        if (c.getConvolutionMode() != org.deeplearning4j.nn.conf.ConvolutionMode.Same) throw unsupported(name, c);
        Conv2DConfig cfg = Conv2DConfig.builder().kH(c.getKernelSize()[0]).kW(c.getKernelSize()[1])
                .sH(c.getStride()[0]).sW(c.getStride()[1]).paddingMode(PaddingMode.SAME)
                .dataFormat("NCHW").build();
        // libnd4j's conv2d_bp ignores the weights-format argument in M2.1: keep its own layout, [kH, kW, in, out]
        INDArray w0 = net.getLayer(name).getParam("W");
        String n = name + "_W";
        SDVariable w = sd.var(n, w0.permute(2, 3, 1, 0).dup('c'));
        return c.hasBias() ? sd.cnn.conv2d(x, w, bias(name), cfg) : sd.cnn.conv2d(x, w, cfg);
    }

    /**
     * Batch normalisation from elementary ops: ND4J M2.1's fused {@code batchnorm} op cannot be
     * differentiated in SameDiff (its derivative is built without the axis and throws).
     */
    private SDVariable batchNorm(String name, BatchNormalization bn, SDVariable x) {
        SDVariable gamma = channels(vector(name, "gamma"));
        SDVariable beta = channels(vector(name, "beta"));
        SDVariable centred;
        SDVariable invStd;
        if (training) {
            centred = x.sub(x.mean(true, 0, 2, 3));
            SDVariable var = sd.variance(x, false, true, 0, 2, 3);
            invStd = sd.math.rsqrt(var.add(bn.getEps()));
        } else {
            org.deeplearning4j.nn.api.Layer l = net.getLayer(name);
            INDArray std = l.getParam("var") != null
                    ? org.nd4j.linalg.ops.transforms.Transforms.sqrt(l.getParam("var").add(bn.getEps()))
                    : org.nd4j.linalg.ops.transforms.Transforms.pow(
                            org.nd4j.linalg.factory.Nd4j.valueArrayOf(l.getParam("log10stdev").shape(), 10.0, l.getParam("log10stdev").dataType()), l.getParam("log10stdev"));
            centred = x.sub(sd.constant(name + "_mean", l.getParam("mean").reshape(1, -1, 1, 1).dup()));
            invStd = sd.constant(name + "_invstd", std.rdiv(1).reshape(1, -1, 1, 1).dup());
        }
        return centred.mul(invStd).mul(gamma).add(beta);
    }

    private static SDVariable channels(SDVariable v) {
        return v.reshape(1, -1, 1, 1);
    }

    private SDVariable activation(String name, BaseLayer layer, SDVariable z) {
        return activation(name, layer.getActivationFn(), z);
    }

    private SDVariable activation(String name, org.nd4j.linalg.activations.IActivation a, SDVariable z) {
        if (a instanceof ActivationIdentity) return z;
        if (a instanceof ActivationReLU) return sd.nn.relu(z, 0);
        throw new IllegalArgumentException("layer " + name + ": activation " + a + " has no SameDiff translation");
    }

    private SDVariable param(String layer, String key) {
        INDArray p = net.getLayer(layer).getParam(key);
        String n = layer + "_" + key;
        return sd.var(n, p.dup());
    }

    private SDVariable bias(String layer) {
        return vector(layer, "b");
    }

    /** A per-channel or per-unit parameter as the 1-D vector libnd4j's ops take (DL4J stores it as [1, n]). */
    private SDVariable vector(String layer, String key) {
        INDArray p = net.getLayer(layer).getParam(key);
        String n = layer + "_" + key;
        return sd.var(n, p.reshape(p.length()).dup());
    }

    private static IllegalArgumentException unsupported(String name, Layer layer) {
        return new IllegalArgumentException("layer " + name + " (" + layer.getClass().getSimpleName() + ") has no SameDiff translation");
    }
}
