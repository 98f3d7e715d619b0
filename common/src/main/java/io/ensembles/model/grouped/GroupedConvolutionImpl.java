package io.ensembles.model.grouped;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
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
 * the project's ND4J build) on its slab of the channels, forward, and of {@code conv2d_bp}
 * backward, all inside this one layer, so that everything around it (batch norm, activations,
 * shortcuts, pooling) runs once over all groups. The channels are regrouped into contiguous
 * slabs first (one copy of the input), since oneDNN takes only contiguous arrays.
 * <p>
 * Why not one im2col and one batched product over the groups: measured on this machine (one
 * thread, batch 128, 3x3), ND4J's im2col alone takes 50 times as long as oneDNN's whole
 * convolution of the same input (407 ms against 7.5 ms at 32 channels of 28x28), so that path
 * loses whatever the batched product gains. libnd4j's conv2d has no groups argument.
 */
final class GroupedConvolutionImpl extends BaseLayer<GroupedConvolution> {
    /** The pre-activation of the last training forward pass and the input it came from, for backprop to reuse. */
    private INDArray cachedZ;
    private INDArray cachedInput;

    GroupedConvolutionImpl(NeuralNetConfiguration conf, DataType type) {
        super(conf, type);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    @Override
    public boolean hasLayerNorm() {
        return false;
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

    /**
     * An NCHW array's channels regrouped group-major, [G, N, C/G, H, W], in a new C-order array of
     * type {@code type}: each group's slab is then contiguous, which oneDNN needs (libnd4j falls
     * back to its own, im2col-based convolution for a strided channel slice).
     */
    private static INDArray byGroup(INDArray a, int groups, LayerWorkspaceMgr mgr, ArrayType type) {
        long n = a.size(0);
        long c = a.size(1) / groups;
        INDArray out = mgr.createUninitialized(type, a.dataType(), new long[] {groups, n, c, a.size(2), a.size(3)}, 'c');
        out.assign(a.reshape('c', n, groups, c, a.size(2), a.size(3)).permute(1, 0, 2, 3, 4));
        return out;
    }

    /** Writes a group-major [G, N, C/G, H, W] array into the NCHW array {@code into} [N, C, H, W]. */
    private static void ungroup(INDArray grouped, INDArray into) {
        long[] s = grouped.shape();
        into.reshape('c', s[1], s[0], s[2], s[3], s[4]).permute(1, 0, 2, 3, 4).assign(grouped);
    }

    /**
     * Slab g of an array whose first dimension is the group, as a contiguous view of the rest of its
     * shape (cut as a column of the transposed [G, rest] matrix: ND4J M2.1's {@code get} on the first
     * dimension of an offset view can return an empty array).
     */
    private static INDArray slab(INDArray a, int g) {
        long groups = a.size(0);
        long[] rest = java.util.Arrays.copyOfRange(a.shape(), 1, a.rank());
        return a.reshape('c', groups, a.length() / groups).transpose().get(NDArrayIndex.all(), NDArrayIndex.point(g))
                .reshape('c', rest);
    }

    /** Group g's weights [o, iC/G, kH, kW] from the layer's [G*o, iC/G, kH, kW]: a contiguous view. */
    private static INDArray groupWeights(INDArray w, int g, int groups) {
        return slab(w.reshape('c', groups, w.size(0) / groups, w.size(1), w.size(2), w.size(3)), g);
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
        INDArray xs = byGroup(x, groups, mgr, ArrayType.FF_WORKING_MEM);
        INDArray zs = null;
        for (int g = 0; g < groups; g++) {
            INDArray xg = slab(xs, g);
            INDArray wg = groupWeights(w, g, groups);
            if (zs == null) {
                long[] s = outputShape(xg, wg);
                zs = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, new long[] {groups, s[0], o, s[2], s[3]}, 'c');
            }
            // the builder's addInputs replaces the inputs: all of them in one call
            INDArray[] in = b == null ? new INDArray[] {xg, wg}
                    : new INDArray[] {xg, wg, b.get(NDArrayIndex.interval(g * o, (g + 1) * o))};
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in).addOutputs(slab(zs, g))
                    .addIntegerArguments(intArgs()).build());
        }
        INDArray z = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[] {zs.size(1), w.size(0), zs.size(3), zs.size(4)}, 'c');
        ungroup(zs, z);
        return z;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        INDArray z = preOutput(training, mgr);
        cachedZ = null;
        cachedInput = null;
        if (training) {
            // backprop needs the pre-activation: keep it (the activation works in place) instead of
            // convolving again, as DL4J's own convolution does with its oneDNN helper
            boolean identity = layerConf().getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationIdentity;
            cachedZ = identity ? z : mgr.dup(ArrayType.ACTIVATIONS, z);
            cachedInput = input;
        }
        return layerConf().getActivationFn().getActivation(z, training);
    }

    @Override
    public void clear() {
        super.clear();
        cachedZ = null;
        cachedInput = null;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray z = cachedZ != null && cachedInput == input ? cachedZ : preOutput(true, mgr);
        cachedZ = null;
        cachedInput = null;
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, true, mgr);
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        int groups = layerConf().groups();
        long icg = w.size(1);
        long o = w.size(0) / groups;
        INDArray b = hasBias() ? getParamWithNoise(GroupedParams.BIAS, true, mgr).reshape(w.size(0)) : null;
        INDArray xs = byGroup(x, groups, mgr, ArrayType.BP_WORKING_MEM);
        INDArray ds = byGroup(delta, groups, mgr, ArrayType.BP_WORKING_MEM);
        INDArray gis = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, xs.shape(), 'c');
        INDArray wGrad = gradientViews.get(GroupedParams.WEIGHT);
        INDArray bGrad = hasBias() ? gradientViews.get(GroupedParams.BIAS) : null;
        for (int g = 0; g < groups; g++) {
            INDArray wg = groupWeights(w, g, groups);
            // the op writes into fresh arrays; the views of the layer's gradients then take them
            INDArray gw = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, wg.shape(), 'c');
            INDArray gb = b == null ? null : mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {o}, 'c');
            INDArray[] in = b == null ? new INDArray[] {slab(xs, g), wg, slab(ds, g)}
                    : new INDArray[] {slab(xs, g), wg, b.get(NDArrayIndex.interval(g * o, (g + 1) * o)), slab(ds, g)};
            INDArray[] out = gb == null ? new INDArray[] {slab(gis, g), gw} : new INDArray[] {slab(gis, g), gw, gb};
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(in).addOutputs(out)
                    .addIntegerArguments(intArgs()).build());
            groupWeights(wGrad, g, groups).assign(gw);
            if (gb != null) bGrad.reshape(w.size(0)).get(NDArrayIndex.interval(g * o, (g + 1) * o)).assign(gb);
        }
        INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        ungroup(gis, epsNext);
        Gradient ret = new DefaultGradient();
        ret.gradientForVariable().put(GroupedParams.WEIGHT, wGrad);
        if (bGrad != null) ret.gradientForVariable().put(GroupedParams.BIAS, bGrad);
        weightNoiseParams.clear();
        return new Pair<>(ret, backpropDropOutIfPresent(epsNext));
    }
}
