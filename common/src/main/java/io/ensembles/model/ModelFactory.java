package io.ensembles.model;

import io.ensembles.config.EnsembleConfig.ModelSection;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Builds every architecture as a DL4J {@link ComputationGraph} with one input ("in", flat
 * images of rows*cols) and one softmax output ("out"), so training, storage and prediction
 * treat all members alike.
 */
public final class ModelFactory {
    public static final String INPUT = "in";
    public static final String OUTPUT = "out";

    private ModelFactory() {}

    /** The optimiser settings a member is built with. */
    public record Optimizer(ISchedule learningRate, double momentum, double weightDecay) {
        IUpdater updater() {
            return momentum > 0 ? new Nesterovs(learningRate, momentum) : new Sgd(learningRate);
        }
    }

    public static ComputationGraph build(Architecture arch, ModelSection m, int rows, int cols, int classes,
                                         long seed, Optimizer opt) {
        ComputationGraphConfiguration conf = configuration(arch, m, rows, cols, classes, seed, opt);
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    public static ComputationGraphConfiguration configuration(Architecture arch, ModelSection m, int rows, int cols,
                                                              int classes, long seed, Optimizer opt) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(opt.updater())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (opt.weightDecay() > 0) base.weightDecay(opt.weightDecay());
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs(INPUT);
        // DL4J's dropOut(x) takes the probability of *keeping* a unit; the config states the drop rate.
        // A Dropout object keeps its layer's mask between forward and backward pass, so every layer
        // needs its own: one instance shared by two layers loses a mask and fails in backprop.
        java.util.function.Supplier<Dropout> drop = m.dropout() > 0 ? () -> new Dropout(1.0 - m.dropout()) : null;
        String last = switch (arch) {
            case MLP -> mlp(g, m.mlpHidden(), drop);
            case CNN -> cnn(g, m.cnnChannels(), m.cnnKernel(), m.cnnDense(), drop);
            case RESNET -> resnet(g, m.resnetWidths(), m.resnetBlocks());
        };
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(classes).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER);
        if (drop != null) out.dropOut(drop.get());
        g.addLayer(OUTPUT, out.build(), last).setOutputs(OUTPUT);
        g.setInputTypes(arch == Architecture.MLP
                ? InputType.feedForward((long) rows * cols)
                : InputType.convolutionalFlat(rows, cols, 1));
        return g.build();
    }

    private static String mlp(ComputationGraphConfiguration.GraphBuilder g, List<Integer> hidden,
                              java.util.function.Supplier<Dropout> drop) {
        String prev = INPUT;
        for (int i = 0; i < hidden.size(); i++) {
            DenseLayer.Builder d = new DenseLayer.Builder().nOut(hidden.get(i)).activation(Activation.RELU);
            if (drop != null && i > 0) d.dropOut(drop.get()); // dropout acts on a layer's input: not on raw pixels
            g.addLayer("dense" + i, d.build(), prev);
            prev = "dense" + i;
        }
        return prev;
    }

    private static String cnn(ComputationGraphConfiguration.GraphBuilder g, List<Integer> channels, int kernel,
                              int dense, java.util.function.Supplier<Dropout> drop) {
        String prev = INPUT;
        for (int i = 0; i < channels.size(); i++) {
            g.addLayer("conv" + i, new ConvolutionLayer.Builder(kernel, kernel).nOut(channels.get(i))
                    .activation(Activation.RELU).build(), prev);
            g.addLayer("pool" + i, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                    "conv" + i);
            prev = "pool" + i;
        }
        DenseLayer.Builder d = new DenseLayer.Builder().nOut(dense).activation(Activation.RELU);
        if (drop != null) d.dropOut(drop.get());
        g.addLayer("dense", d.build(), prev);
        return "dense";
    }

    /** A pre-activation-free ResNet (He et al. 2016 basic blocks): conv-BN-ReLU-conv-BN + shortcut, ReLU. */
    private static String resnet(ComputationGraphConfiguration.GraphBuilder g, List<Integer> widths, int blocks) {
        g.addLayer("stem_conv", conv3(widths.get(0), 1), INPUT);
        g.addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem_conv");
        g.addLayer("stem_relu", relu(), "stem_bn");
        String prev = "stem_relu";
        int prevWidth = widths.get(0);
        for (int s = 0; s < widths.size(); s++) {
            for (int b = 0; b < blocks; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                int w = widths.get(s);
                String p = "s" + s + "b" + b + "_";
                g.addLayer(p + "conv1", conv3(w, stride), prev);
                g.addLayer(p + "bn1", new BatchNormalization.Builder().build(), p + "conv1");
                g.addLayer(p + "relu1", relu(), p + "bn1");
                g.addLayer(p + "conv2", conv3(w, 1), p + "relu1");
                g.addLayer(p + "bn2", new BatchNormalization.Builder().build(), p + "conv2");
                String shortcut = prev;
                if (stride != 1 || w != prevWidth) {
                    g.addLayer(p + "proj", new ConvolutionLayer.Builder(1, 1).stride(stride, stride).nOut(w)
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
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
        return "gap";
    }

    private static ConvolutionLayer conv3(int width, int stride) {
        return new ConvolutionLayer.Builder(3, 3).stride(stride, stride).nOut(width)
                .activation(Activation.IDENTITY).hasBias(false).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
