package io.ensembles.model.grouped;

import java.util.Collection;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * What both grouped layers' implementations share: no pretraining, no layer norm, the bias as
 * configured, how DL4J sets one up, and the forward pass's pre-activation kept for backprop when
 * the network has a cache mode (as DL4J's own convolution keeps it), so that backprop does not
 * compute the layer's products again.
 */
abstract class GroupedLayerImpl<T extends BaseLayer & GroupedParams.Shape> extends org.deeplearning4j.nn.layers.BaseLayer<T> {
    /** The pre-activation of the last training forward pass and the input it came from. */
    private INDArray keptZ;
    private INDArray keptInput;

    GroupedLayerImpl(NeuralNetConfiguration conf, DataType type) {
        super(conf, type);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        INDArray z = preOutput(training, mgr);
        keptZ = null;
        keptInput = null;
        if (training && cacheMode != null && cacheMode != CacheMode.NONE) {
            // the activation works in place: keep a copy, unless it leaves z as it is
            keptZ = layerConf().getActivationFn() instanceof ActivationIdentity ? z : mgr.dup(ArrayType.ACTIVATIONS, z);
            keptInput = input;
        }
        INDArray out = layerConf().getActivationFn().getActivation(z, training);
        if (maskArray != null) applyMask(out);
        return out;
    }

    /** The pre-activation for backprop: the one the forward pass kept for this input, or computed again. */
    protected INDArray preActivationForBackprop(LayerWorkspaceMgr mgr) {
        INDArray z = keptZ != null && keptInput == input ? keptZ : preOutput(true, mgr);
        keptZ = null;
        keptInput = null;
        return z;
    }

    @Override
    public void clear() {
        super.clear();
        keptZ = null;
        keptInput = null;
    }

    /** Whether {@code a} is laid out densely in C order, so that a reshape of it is a view. */
    static boolean contiguousC(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
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

    /** DL4J's set-up of a layer from its configuration: listeners, index, parameter views. */
    static <L extends GroupedLayerImpl<?>> L setUp(L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                   int index, INDArray params, boolean initialize) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(params);
        layer.setParamTable(GroupedParams.INSTANCE.init(conf, params, initialize));
        layer.setConf(conf);
        return layer;
    }
}
