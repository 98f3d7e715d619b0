package io.ensembles.model;

import io.ensembles.config.EnsembleConfig.ModelSection;
import io.ensembles.model.grouped.GroupedConvolution;
import io.ensembles.model.grouped.GroupedDense;
import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import io.ensembles.config.Architecture;

/**
 * The layers of each architecture (MLP, CNN, ResNet) inside a graph, at any width and in any number
 * of groups: {@link ModelFactory} builds the plain network and both packed layouts from these.
 */
final class ArchitectureLayers {
    private ArchitectureLayers() {}

    /** The width of the architecture's last hidden layer, in the plain network. */
    static int lastWidth(Architecture arch, ModelSection m) {
        return switch (arch) {
            case MLP -> m.mlpHidden().get(m.mlpHidden().size() - 1);
            case CNN -> m.cnnDense();
            case RESNET -> m.resnetWidths().get(m.resnetWidths().size() - 1);
        };
    }

    /** A dense layer builder: DL4J's for one group (and for a layer reading the input), else {@link GroupedDense}. */
    static FeedForwardLayer.Builder<?> dense(int groups) {
        return groups == 1 ? new DenseLayer.Builder() : new GroupedDense.Builder(groups);
    }

    /** A convolution builder: DL4J's for one group, else {@link GroupedConvolution}. */
    static ConvolutionLayer.Builder conv(int groups, int kernel) {
        return groups == 1 ? new ConvolutionLayer.Builder(kernel, kernel) : new GroupedConvolution.Builder(groups, kernel, kernel);
    }

    /** A layer's width in the built network given its width in the plain architecture and the setting's name. */
    @FunctionalInterface
    interface Width {
        Width PLAIN = (w, what) -> w;

        int of(int plain, String what);
    }

    static OutputLayer head(int classes, Supplier<Dropout> drop, IWeightInit init) {
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(classes).activation(Activation.SOFTMAX).weightInit(init);
        if (drop != null) out.dropOut(drop.get());
        return out.build();
    }

    /**
     * The architecture's layers from the input to its last hidden vertex, names prefixed; returns
     * that vertex. Every layer but the first (which reads the input) has {@code groups} groups.
     */
    static String body(ComputationGraphConfiguration.GraphBuilder g, Architecture arch, ModelSection m,
                               String prefix, Width w, int groups, Supplier<Dropout> drop) {
        return switch (arch) {
            case MLP -> mlp(g, prefix, m.mlpHidden(), w, groups, drop);
            case CNN -> cnn(g, prefix, m.cnnChannels(), m.cnnKernel(), m.cnnDense(), w, groups, drop);
            case RESNET -> resnet(g, prefix, m.resnetWidths(), m.resnetBlocks(), w, groups);
        };
    }

    static String mlp(ComputationGraphConfiguration.GraphBuilder g, String x, List<Integer> hidden, Width w,
                              int groups, Supplier<Dropout> drop) {
        String prev = ModelFactory.INPUT;
        for (int i = 0; i < hidden.size(); i++) {
            FeedForwardLayer.Builder<?> d = dense(i == 0 ? 1 : groups);
            d.nOut(w.of(hidden.get(i), "model.mlp.hidden[" + i + "]"));
            d.activation(Activation.RELU);
            if (drop != null && i > 0) d.dropOut(drop.get()); // dropout acts on a layer's input: not on raw pixels
            g.addLayer(x + "dense" + i, d.build(), prev);
            prev = x + "dense" + i;
        }
        return prev;
    }

    static String cnn(ComputationGraphConfiguration.GraphBuilder g, String x, List<Integer> channels,
                              int kernel, int dense, Width w, int groups, Supplier<Dropout> drop) {
        String prev = ModelFactory.INPUT;
        for (int i = 0; i < channels.size(); i++) {
            g.addLayer(x + "conv" + i, conv(i == 0 ? 1 : groups, kernel)
                    .nOut(w.of(channels.get(i), "model.cnn.channels[" + i + "]"))
                    .activation(Activation.RELU).build(), prev);
            g.addLayer(x + "pool" + i, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                    .build(), x + "conv" + i);
            prev = x + "pool" + i;
        }
        FeedForwardLayer.Builder<?> d = dense(groups);
        d.nOut(w.of(dense, "model.cnn.dense"));
        d.activation(Activation.RELU);
        if (drop != null) d.dropOut(drop.get());
        g.addLayer(x + "dense", d.build(), prev);
        return x + "dense";
    }

    /** A pre-activation-free ResNet (He et al. 2016 basic blocks): conv-BN-ReLU-conv-BN + shortcut, ReLU. */
    static String resnet(ComputationGraphConfiguration.GraphBuilder g, String x, List<Integer> plainWidths,
                                 int blocks, Width wf, int groups) {
        List<Integer> widths = new java.util.ArrayList<>();
        for (int s = 0; s < plainWidths.size(); s++) widths.add(wf.of(plainWidths.get(s), "model.resnet.widths[" + s + "]"));
        g.addLayer(x + "stem_conv", conv3(widths.get(0), 1, 1), ModelFactory.INPUT);
        g.addLayer(x + "stem_bn", new BatchNormalization.Builder().build(), x + "stem_conv");
        g.addLayer(x + "stem_relu", relu(), x + "stem_bn");
        String prev = x + "stem_relu";
        int prevWidth = widths.get(0);
        for (int s = 0; s < widths.size(); s++) {
            for (int b = 0; b < blocks; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                int w = widths.get(s);
                String p = x + "s" + s + "b" + b + "_";
                g.addLayer(p + "conv1", conv3(w, stride, groups), prev);
                g.addLayer(p + "bn1", new BatchNormalization.Builder().build(), p + "conv1");
                g.addLayer(p + "relu1", relu(), p + "bn1");
                g.addLayer(p + "conv2", conv3(w, 1, groups), p + "relu1");
                g.addLayer(p + "bn2", new BatchNormalization.Builder().build(), p + "conv2");
                String shortcut = prev;
                if (stride != 1 || w != prevWidth) {
                    g.addLayer(p + "proj", conv(groups, 1).stride(stride, stride).nOut(w)
                            .activation(Activation.IDENTITY).hasBias(false).build(), prev);
                    g.addLayer(p + "proj_bn", new BatchNormalization.Builder().build(), p + "proj");
                    shortcut = p + "proj_bn";
                }
                g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), p + "bn2", shortcut);
                g.addLayer(p + "out", relu(), p + "add");
                prev = p + "out";
                prevWidth = w;
            }
        }
        g.addLayer(x + "gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
        return x + "gap";
    }

    static ConvolutionLayer conv3(int width, int stride, int groups) {
        return conv(groups, 3).stride(stride, stride).nOut(width)
                .activation(Activation.IDENTITY).hasBias(false).build();
    }

    static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
