package io.ensembles.model.grouped;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link GroupedConvolution} at work. im2col writes the patches of the whole input once, laid out
 * [C_in, kH, kW, N, oH, oW], i.e. group-major: viewed as [G, K, N*P] (K = C_in/G kH kW, P = oH oW)
 * it meets the weights [G, o, K] in one batched product [G, o, N*P], which is then laid out as
 * [N, C_out, oH, oW]. The backward pass is two more batched products and one col2im.
 */
final class GroupedConvolutionImpl extends BaseLayer<GroupedConvolution> {
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

    /** The geometry of one call: sizes, padding, and the im2col of the input. */
    private record Patches(long n, long cin, int ih, int iw, int oh, int ow, int[] pad, long groups, long out,
                           long k, INDArray cols) {
        long p() { return (long) oh * ow; }

        /** The patches as [G, K, N*P]. */
        INDArray grouped() { return cols.reshape('c', groups, k, n * p()); }
    }

    private Patches patches(INDArray w, LayerWorkspaceMgr mgr, ArrayType working) {
        GroupedConvolution c = layerConf();
        if (input.rank() != 4) {
            throw new DL4JInvalidInputException("grouped convolution " + layerId() + " expects [N, C, H, W] input, got "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        long groups = c.groups();
        long cin = x.size(1);
        if (cin != w.size(1) * groups) {
            throw new DL4JInvalidInputException("grouped convolution " + layerId() + " expects " + w.size(1) * groups
                    + " input channels, got " + cin);
        }
        int[] kernel = c.getKernelSize();
        int[] stride = c.getStride();
        int[] dil = c.getDilation();
        ConvolutionMode mode = c.getConvolutionMode();
        int ih = (int) x.size(2);
        int iw = (int) x.size(3);
        int[] pad;
        int[] outSize;
        if (mode == ConvolutionMode.Same) {
            outSize = ConvolutionUtils.getOutputSize(x, kernel, stride, null, mode, dil, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[] {ih, iw}, kernel, stride, dil);
        } else {
            pad = c.getPadding();
            outSize = ConvolutionUtils.getOutputSize(x, kernel, stride, pad, mode, dil, CNN2DFormat.NCHW);
        }
        long n = x.size(0);
        INDArray cols = mgr.createUninitialized(working, dataType,
                new long[] {cin, kernel[0], kernel[1], n, outSize[0], outSize[1]}, 'c');
        Convolution.im2col(x, kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1], dil[0], dil[1],
                mode == ConvolutionMode.Same, cols.permute(3, 0, 1, 2, 4, 5));
        return new Patches(n, cin, ih, iw, outSize[0], outSize[1], pad, groups, w.size(0),
                cin / groups * kernel[0] * kernel[1], cols);
    }

    /** The pre-activation [N, C_out, oH, oW] from the patches. */
    private INDArray convolve(Patches p, INDArray w, boolean training, LayerWorkspaceMgr mgr, ArrayType working) {
        long o = p.out() / p.groups();
        INDArray z3 = mgr.createUninitialized(working, dataType, new long[] {p.groups(), o, p.n() * p.p()}, 'c');
        Nd4j.matmul(w.reshape('c', p.groups(), o, p.k()), p.grouped(), z3);
        INDArray z = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {p.n(), p.out(), p.oh(), p.ow()}, 'c');
        z.reshape('c', p.n(), p.out(), p.p()).permute(1, 0, 2).assign(z3.reshape('c', p.out(), p.n(), p.p()));
        if (hasBias()) {
            INDArray b = getParamWithNoise(GroupedParams.BIAS, training, mgr);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(z, b.reshape(p.out()), z, 1));
        }
        return z;
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, mgr);
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, training, mgr);
        return convolve(patches(w, mgr, ArrayType.FF_WORKING_MEM), w, training, mgr, ArrayType.FF_WORKING_MEM);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        INDArray z = preOutput(training, mgr);
        return layerConf().getActivationFn().getActivation(z, training);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        applyDropOutIfNecessary(true, mgr);
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, true, mgr);
        Patches p = patches(w, mgr, ArrayType.BP_WORKING_MEM);
        INDArray z = convolve(p, w, true, mgr, ArrayType.BP_WORKING_MEM);
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst(); // [N, C_out, oH, oW]
        long o = p.out() / p.groups();
        // the output gradient laid out as the product made it: [C_out, N, P] = [G, o, N*P]
        INDArray d = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {p.out(), p.n(), p.p()}, 'c');
        d.assign(delta.reshape('c', p.n(), p.out(), p.p()).permute(1, 0, 2));
        INDArray dg = d.reshape('c', p.groups(), o, p.n() * p.p());

        Gradient ret = new DefaultGradient();
        INDArray wGrad = gradientViews.get(GroupedParams.WEIGHT);
        Nd4j.matmul(dg, p.grouped(), wGrad.reshape('c', p.groups(), o, p.k()), false, true, false);
        ret.gradientForVariable().put(GroupedParams.WEIGHT, wGrad);
        if (hasBias()) {
            INDArray bGrad = gradientViews.get(GroupedParams.BIAS);
            bGrad.assign(d.sum(1, 2).reshape(bGrad.shape()));
            ret.gradientForVariable().put(GroupedParams.BIAS, bGrad);
        }
        // the patches' gradient, in the patches' layout, then summed back onto the input
        INDArray dCols = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, p.cols().shape(), 'c');
        Nd4j.matmul(w.reshape('c', p.groups(), o, p.k()), dg, dCols.reshape('c', p.groups(), p.k(), p.n() * p.p()),
                true, false, false);
        INDArray epsNext = mgr.create(ArrayType.ACTIVATION_GRAD, dataType, new long[] {p.n(), p.cin(), p.ih(), p.iw()}, 'c');
        GroupedConvolution c = layerConf();
        Convolution.col2im(dCols.permute(3, 0, 1, 2, 4, 5), epsNext, c.getStride()[0], c.getStride()[1], p.pad()[0],
                p.pad()[1], p.ih(), p.iw(), c.getDilation()[0], c.getDilation()[1]);
        weightNoiseParams.clear();
        return new Pair<>(ret, backpropDropOutIfPresent(epsNext));
    }
}
