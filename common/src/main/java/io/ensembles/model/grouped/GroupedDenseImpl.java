package io.ensembles.model.grouped;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link GroupedDense} at work. The input [N, G*i] is viewed as [G, N, i] and multiplied by the
 * weights [G, i, o] in one batched product; the backward pass is two more batched products.
 */
final class GroupedDenseImpl extends GroupedLayerImpl<GroupedDense> {
    GroupedDenseImpl(NeuralNetConfiguration conf, DataType type) {
        super(conf, type);
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    /** The input, contiguous in C order, as [N, G, in/G]. */
    private INDArray groupedInput(LayerWorkspaceMgr mgr, ArrayType working, long groups, long perGroup) {
        INDArray x = input.dataType() == dataType ? input : input.castTo(dataType);
        if (x.rank() != 2 || x.size(1) != groups * perGroup) {
            throw new DL4JInvalidInputException("grouped dense layer " + layerId() + " expects [N, " + groups * perGroup
                    + "] input, got " + java.util.Arrays.toString(x.shape()));
        }
        if (!contiguousC(x)) x = mgr.dup(working, x, 'c');
        return x.reshape('c', x.size(0), groups, perGroup);
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, mgr);
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, training, mgr);
        long g = w.size(0);
        long o = w.size(2);
        INDArray x = groupedInput(mgr, ArrayType.FF_WORKING_MEM, g, w.size(1));
        long n = x.size(0);
        INDArray z3 = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, new long[] {g, n, o}, 'c');
        Nd4j.matmul(x.permute(1, 0, 2), w, z3);
        INDArray z = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {n, g * o}, 'c');
        z.reshape('c', n, g, o).permute(1, 0, 2).assign(z3);
        if (hasBias()) z.addiRowVector(getParamWithNoise(GroupedParams.BIAS, training, mgr));
        return z;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray z = preActivationForBackprop(mgr);
        INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
        if (maskArray != null) applyMask(delta);
        if (!contiguousC(delta)) delta = mgr.dup(ArrayType.BP_WORKING_MEM, delta, 'c');
        INDArray w = getParamWithNoise(GroupedParams.WEIGHT, true, mgr);
        long g = w.size(0);
        long i = w.size(1);
        long o = w.size(2);
        INDArray x = groupedInput(mgr, ArrayType.BP_WORKING_MEM, g, i);
        long n = x.size(0);
        INDArray d3 = delta.reshape('c', n, g, o).permute(1, 0, 2); // [G, N, o]

        Gradient ret = new DefaultGradient();
        INDArray wGrad = gradientViews.get(GroupedParams.WEIGHT);
        Nd4j.matmul(x.permute(1, 2, 0), d3, wGrad); // [G, i, N] x [G, N, o]
        ret.gradientForVariable().put(GroupedParams.WEIGHT, wGrad);
        if (hasBias()) {
            INDArray bGrad = gradientViews.get(GroupedParams.BIAS);
            delta.sum(bGrad, 0);
            ret.gradientForVariable().put(GroupedParams.BIAS, bGrad);
        }
        INDArray e3 = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, new long[] {g, n, i}, 'c');
        Nd4j.matmul(d3, w.permute(0, 2, 1), e3); // [G, N, o] x [G, o, i]
        INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, new long[] {n, g * i}, 'c');
        epsNext.reshape('c', n, g, i).permute(1, 0, 2).assign(e3);
        weightNoiseParams.clear();
        return new Pair<>(ret, backpropDropOutIfPresent(epsNext));
    }
}
