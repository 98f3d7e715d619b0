package io.ensembles.model.grouped;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link GroupedConvolution} at work: each group is one call of libnd4j's {@code conv2d} (oneDNN in
 * the project's ND4J build) on its slice of the channels, forward, and of {@code conv2d_bp}
 * backward, all inside this one layer, so that everything around it (batch norm, activations,
 * shortcuts, pooling) runs once over all groups.
 * <p>
 * Why not one im2col and one batched product over the groups: measured on this machine (one
 * thread, batch 128, 3x3), ND4J's im2col alone takes 50 times as long as oneDNN's whole
 * convolution of the same input (407 ms against 7.5 ms at 32 channels of 28x28), so that path
 * loses whatever the batched product gains. libnd4j's conv2d has no groups argument.
 * <p>
 * The groups' channels are strided slices of the NCHW arrays, which oneDNN reads and writes
 * slower than the contiguous arrays of separate paths (32 channels of 28x28 in 4 groups, batch
 * 128: forward 17 ms against 11, backward 59 against 37); copying them into contiguous slabs
 * first costs more than it saves (forward 32 ms, backward 53). That is the limit of this layer.
 */
final class GroupedConvolutionImpl extends GroupedLayerImpl<GroupedConvolution> {
    GroupedConvolutionImpl(NeuralNetConfiguration conf, DataType type) {
        super(conf, type);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    /** libnd4j's integer arguments: kernel, stride, padding, dilation, same mode, NCHW, weights [oC, iC, kH, kW]. */
    private int[] intArgs() {
        GroupedConvolution c = layerConf();
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same;
        return new int[] {k[0], k[1], s[0], s[1], same ? 0 : p[0], same ? 0 : p[1], d[0], d[1], same ? 1 : 0, 0, 1};
    }

    /** Channels [g * width, (g + 1) * width) of an NCHW array: a view. */
    private static INDArray channels(INDArray a, int g, long width) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(g * width, (g + 1) * width), NDArrayIndex.all(),
                NDArrayIndex.all());
    }

    /**
     * Group g's weights [o, iC/G, kH, kW] from the layer's [G*o, iC/G, kH, kW]: a contiguous view,
     * cut as a column of the transposed [G, rest] matrix (ND4J M2.1's {@code get} on the first
     * dimension of an offset view can return an empty array).
     */
    private static INDArray groupWeights(INDArray w, int g, int groups) {
        long rest = w.length() / groups;
        return w.reshape('c', groups, rest).transpose().get(NDArrayIndex.all(), NDArrayIndex.point(g))
                .reshape('c', w.size(0) / groups, w.size(1), w.size(2), w.size(3));
    }

    private void checkInput(INDArray w) {
        if (input.rank() != 4 || input.size(1) != w.size(1) * layerConf().groups()) {
            throw new DL4JInvalidInputException("grouped convolution " + layerId() + " expects [N, "
                    + w.size(1) * layerConf().groups() + ", H, W] input, got " + java.util.Arrays.toString(input.shape()));
        }
    }

    /** The output size of one group's convolution of {@code x}. */
    private long[] outputShape(INDArray x, INDArray wg) {
        DynamicCustomOp op = DynamicCustomOp.builder("conv2d").addInputs(x, wg).addIntegerArguments(intArgs()).build();
        return Nd4j.getExecutioner().calculateOutputShape(op).get(0).getShape();
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, mgr);
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, training, mgr);
        checkInput(w);
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        int groups = layerConf().groups();
        long icg = w.size(1);
        long o = w.size(0) / groups;
        INDArray b = hasBias() ? getParamWithNoise(GroupedParams.BIAS, training, mgr).reshape(w.size(0)) : null;
        INDArray z = null;
        for (int g = 0; g < groups; g++) {
            INDArray xg = channels(x, g, icg);
            INDArray wg = groupWeights(w, g, groups);
            if (z == null) {
                long[] s = outputShape(xg, wg);
                z = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {s[0], w.size(0), s[2], s[3]}, 'c');
            }
            // the builder's addInputs replaces the inputs: all of them in one call
            INDArray[] in = b == null ? new INDArray[] {xg, wg}
                    : new INDArray[] {xg, wg, b.get(NDArrayIndex.interval(g * o, (g + 1) * o))};
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in).addOutputs(channels(z, g, o))
                    .addIntegerArguments(intArgs()).build());
        }
        return z;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray z = preActivationForBackprop(mgr);
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, true, mgr);
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        int groups = layerConf().groups();
        long icg = w.size(1);
        long o = w.size(0) / groups;
        INDArray b = hasBias() ? getParamWithNoise(GroupedParams.BIAS, true, mgr).reshape(w.size(0)) : null;
        INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray wGrad = gradientViews.get(GroupedParams.WEIGHT);
        INDArray bGrad = hasBias() ? gradientViews.get(GroupedParams.BIAS) : null;
        for (int g = 0; g < groups; g++) {
            INDArray wg = groupWeights(w, g, groups);
            // the op writes into fresh arrays; the views of the layer's gradients then take them
            INDArray gi = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                    new long[] {x.size(0), icg, x.size(2), x.size(3)}, 'c');
            INDArray gw = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, wg.shape(), 'c');
            INDArray gb = b == null ? null : mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {o}, 'c');
            INDArray[] in = b == null ? new INDArray[] {channels(x, g, icg), wg, channels(delta, g, o)}
                    : new INDArray[] {channels(x, g, icg), wg, b.get(NDArrayIndex.interval(g * o, (g + 1) * o)),
                            channels(delta, g, o)};
            INDArray[] out = gb == null ? new INDArray[] {gi, gw} : new INDArray[] {gi, gw, gb};
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(in).addOutputs(out)
                    .addIntegerArguments(intArgs()).build());
            channels(epsNext, g, icg).assign(gi);
            groupWeights(wGrad, g, groups).assign(gw);
            if (gb != null) bGrad.reshape(w.size(0)).get(NDArrayIndex.interval(g * o, (g + 1) * o)).assign(gb);
        }
        Gradient ret = new DefaultGradient();
        ret.gradientForVariable().put(GroupedParams.WEIGHT, wGrad);
        if (bGrad != null) ret.gradientForVariable().put(GroupedParams.BIAS, bGrad);
        weightNoiseParams.clear();
        return new Pair<>(ret, backpropDropOutIfPresent(epsNext));
    }
}
