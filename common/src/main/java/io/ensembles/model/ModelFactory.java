package io.ensembles.model;

import io.ensembles.config.EnsembleConfig.ModelSection;
import io.ensembles.data.InputShape;
import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.nn.weights.WeightInitVarScalingUniformFanIn;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import io.ensembles.config.Architecture;
import io.ensembles.config.Packing;

/**
 * Builds every architecture as a DL4J {@link ComputationGraph} for any {@link InputShape}, with one
 * input ("in", flat rows: an image channel-major, or a feature vector) and one softmax output ("out"), so training, storage and prediction
 * treat all members alike; a Packed-Ensemble version ({@link Packing}) has M softmax outputs
 * ("out0" ...), one per packed member.
 */
public final class ModelFactory {
    public static final String INPUT = "in";
    public static final String OUTPUT = Packing.OUTPUT;

    private ModelFactory() {}

    /**
     * The optimiser settings a member is built with: SGD (Nesterov when {@code momentum > 0}),
     * weight decay lambda, coupled (L2 in the gradient, before momentum) unless
     * {@code decoupledDecay}, and per-layer gradient clipping at {@code clipNorm} (0 = none).
     */
    public record Optimizer(ISchedule learningRate, double momentum, double weightDecay, boolean decoupledDecay,
                            double clipNorm) {
        /** Coupled weight decay, no clipping. */
        public Optimizer(ISchedule learningRate, double momentum, double weightDecay) {
            this(learningRate, momentum, weightDecay, false, 0);
        }

        IUpdater updater() {
            return momentum > 0 ? new Nesterovs(learningRate, momentum) : new Sgd(learningRate);
        }

        void applyTo(NeuralNetConfiguration.Builder b) {
            b.updater(updater());
            if (weightDecay > 0) {
                // DL4J's l2(x) adds x * w to the gradient before the updater: PyTorch's SGD(weight_decay=x).
                // Its weightDecay(x) subtracts lr * x * w after the updater, outside the momentum.
                if (decoupledDecay) b.weightDecay(weightDecay, true);
                else b.l2(weightDecay);
            }
            if (clipNorm > 0) {
                b.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(clipNorm);
            }
        }
    }

    /**
     * PyTorch's default for conv and dense weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in)). DL4J's
     * VAR_SCALING_UNIFORM_FAN_IN draws U(-3/sqrt(fan_in), 3/sqrt(fan_in)), so a third of it is exactly that.
     */
    static IWeightInit fanInUniform() {
        return new WeightInitVarScalingUniformFanIn(1.0 / 3.0);
    }

    private static IWeightInit hiddenInit(ModelSection m) {
        return ModelSection.INIT_HE.equals(m.weightInit()) ? new WeightInitRelu() : fanInUniform();
    }

    private static IWeightInit outputInit(ModelSection m) {
        return ModelSection.INIT_HE.equals(m.weightInit()) ? new WeightInitXavier() : fanInUniform();
    }

    public static ComputationGraph build(Architecture arch, ModelSection m, InputShape input, int classes,
                                         long seed, Optimizer opt) {
        return build(arch, m, null, input, classes, seed, opt);
    }

    /** The plain network ({@code packing == null}) or its Packed-Ensemble version (grouped layers), initialised. */
    public static ComputationGraph build(Architecture arch, ModelSection m, Packing packing, InputShape input,
                                         int classes, long seed, Optimizer opt) {
        return init(configuration(arch, m, packing, Packing.Layout.GROUPED, input, classes, seed, opt));
    }

    /** The Packed-Ensemble version in the given layout, initialised (the path layout is the reference the grouped one is tested against). */
    public static ComputationGraph build(Architecture arch, ModelSection m, Packing packing, Packing.Layout layout,
                                         InputShape input, int classes, long seed, Optimizer opt) {
        return init(configuration(arch, m, packing, layout, input, classes, seed, opt));
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    public static ComputationGraphConfiguration configuration(Architecture arch, ModelSection m, InputShape input,
                                                              int classes, long seed, Optimizer opt) {
        return configuration(arch, m, null, input, classes, seed, opt);
    }

    /** The plain architecture, or with a {@link Packing} the packed network of grouped layers. */
    public static ComputationGraphConfiguration configuration(Architecture arch, ModelSection m, Packing packing,
                                                              InputShape input, int classes, long seed,
                                                              Optimizer opt) {
        return configuration(arch, m, packing, Packing.Layout.GROUPED, input, classes, seed, opt);
    }

    /**
     * The plain architecture: one softmax output {@value #OUTPUT}. With a {@link Packing}, the
     * packed network with M softmax heads {@code out0 .. out<M-1>}, head m reading member m's
     * features, laid out as {@code layout} says: the architecture at width alpha*C with
     * {@code gamma * M} groups in every inner layer ({@link Packing.Layout#GROUPED}), or
     * {@code gamma * M} parallel paths of the architecture at width alpha*C/(gamma*M)
     * ({@link Packing.Layout#PATHS}). The two compute the same function of the same parameters.
     */
    public static ComputationGraphConfiguration configuration(Architecture arch, ModelSection m, Packing packing,
                                                              Packing.Layout layout, InputShape input, int classes,
                                                              long seed, Optimizer opt) {
        if (arch != Architecture.MLP && !input.isImage()) {
            throw new IllegalArgumentException("the " + arch.id() + " architecture needs images (C x H x W) but the "
                    + "data are " + input + "; use mlp for tabular data");
        }
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(hiddenInit(m))
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                // keep a layer's pre-activation from the forward pass for its backward pass: without a
                // cache mode DL4J's convolutions run their forward convolution again in backprop
                .cacheMode(org.deeplearning4j.nn.conf.CacheMode.DEVICE);
        opt.applyTo(base);
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs(INPUT);
        // DL4J's dropOut(x) takes the probability of *keeping* a unit; the config states the drop rate.
        // A Dropout object keeps its layer's mask between forward and backward pass, so every layer
        // needs its own: one instance shared by two layers loses a mask and fails in backprop.
        Supplier<Dropout> drop = m.dropout() > 0 ? () -> new Dropout(1.0 - m.dropout()) : null;
        if (packing == null) {
            String last = ArchitectureLayers.body(g, arch, m, "", ArchitectureLayers.Width.PLAIN, 1, drop);
            g.addLayer(OUTPUT, ArchitectureLayers.head(classes, drop, outputInit(m)), last).setOutputs(OUTPUT);
        } else if (layout == Packing.Layout.GROUPED) {
            groupedHeads(g, arch, m, packing, classes, drop);
        } else {
            pathHeads(g, arch, m, packing, classes, drop);
        }
        // a flat row is channel-major (C, H, W): DL4J's flat-to-CNN reshape reads it that way
        g.setInputTypes(arch == Architecture.MLP
                ? InputType.feedForward(input.size())
                : InputType.convolutionalFlat(input.height(), input.width(), input.channels()));
        ComputationGraphConfiguration conf = g.build();
        onceEach(conf);
        return conf;
    }

    /**
     * DL4J 1.0.0-M2.1 copies the network-wide regularisation into every layer, then its validation
     * appends the network-wide list again to each layer that has one, skipping only L1 and L2: a
     * {@code WeightDecay} ends up twice in every layer and decays at twice the set rate. Keep one of each kind.
     */
    private static void onceEach(ComputationGraphConfiguration conf) {
        for (var v : conf.getVertices().values()) {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl) {
                if (bl.getRegularization() != null) bl.setRegularization(distinctKinds(bl.getRegularization()));
                if (bl.getRegularizationBias() != null) bl.setRegularizationBias(distinctKinds(bl.getRegularizationBias()));
            }
        }
    }

    private static List<org.nd4j.linalg.learning.regularization.Regularization> distinctKinds(
            List<org.nd4j.linalg.learning.regularization.Regularization> regs) {
        java.util.Map<Class<?>, org.nd4j.linalg.learning.regularization.Regularization> one = new java.util.LinkedHashMap<>();
        for (var r : regs) one.putIfAbsent(r.getClass(), r);
        return new java.util.ArrayList<>(one.values());
    }

    /** The packed network in grouped layers: one body of gamma * M groups, each member's features sliced out. */
    private static void groupedHeads(ComputationGraphConfiguration.GraphBuilder g, Architecture arch, ModelSection m,
                                     Packing packing, int classes, Supplier<Dropout> drop) {
        int groups = packing.paths();
        String last = ArchitectureLayers.body(g, arch, m, "", (w, what) -> packing.pathWidth(w, what) * groups, groups,
                drop);
        int features = packing.pathWidth(ArchitectureLayers.lastWidth(arch, m), "the last layer") * packing.gamma();
        String[] heads = new String[packing.heads()];
        for (int h = 0; h < heads.length; h++) {
            // member h's features: its gamma groups, contiguous, as its paths' merge would give them
            String in = "m" + h + "_features";
            g.addVertex(in, new SubsetVertex(h * features, (h + 1) * features - 1), last);
            heads[h] = Packing.headName(h);
            g.addLayer(heads[h], ArchitectureLayers.head(classes, drop, outputInit(m)), in);
        }
        g.setOutputs(heads);
    }

    /** The packed network as gamma * M paths side by side, each member's paths merged before its head. */
    private static void pathHeads(ComputationGraphConfiguration.GraphBuilder g, Architecture arch, ModelSection m,
                                  Packing packing, int classes, Supplier<Dropout> drop) {
        ArchitectureLayers.Width w = packing::pathWidth;
        String[] lasts = new String[packing.paths()];
        for (int p = 0; p < lasts.length; p++) {
            lasts[p] = ArchitectureLayers.body(g, arch, m, Packing.pathPrefix(p), w, 1, drop);
        }
        String[] heads = new String[packing.heads()];
        for (int h = 0; h < heads.length; h++) {
            String in = lasts[h * packing.gamma()];
            if (packing.gamma() > 1) {
                // the member's gamma groups, concatenated member-major: its whole feature slice
                in = "m" + h + "_merge";
                g.addVertex(in, new MergeVertex(), java.util.Arrays.copyOfRange(lasts, h * packing.gamma(),
                        (h + 1) * packing.gamma()));
            }
            heads[h] = Packing.headName(h);
            g.addLayer(heads[h], ArchitectureLayers.head(classes, drop, outputInit(m)), in);
        }
        g.setOutputs(heads);
    }
}
