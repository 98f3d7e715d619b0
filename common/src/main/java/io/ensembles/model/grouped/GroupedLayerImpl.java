package io.ensembles.model.grouped;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What both grouped layers' implementations share: no pretraining, no layer norm, the bias as configured, and how DL4J sets one up. */
abstract class GroupedLayerImpl<T extends BaseLayer & GroupedParams.Shape> extends org.deeplearning4j.nn.layers.BaseLayer<T> {
    GroupedLayerImpl(NeuralNetConfiguration conf, DataType type) {
        super(conf, type);
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
