package io.ensembles.model.grouped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of a grouped layer: weight {@value #WEIGHT} and, if the layer has one, bias
 * {@value #BIAS} [1, nOut]. The dense weight is [groups, nIn/groups, nOut/groups]; the convolution's
 * is [nOut, nIn/groups, kH, kW], i.e. group-major as well. Fan-in and fan-out are those of one
 * group, so a grouped layer is initialised as its groups would be as separate layers.
 */
final class GroupedParams implements ParamInitializer {
    static final String WEIGHT = "W";
    static final String BIAS = "b";
    static final GroupedParams INSTANCE = new GroupedParams();

    private GroupedParams() {}

    /** What every grouped layer tells its parameters. */
    interface Shape {
        int groups();

        boolean hasBias();

        /** The weight's shape. */
        long[] weightShape();

        /** Fan-in and fan-out of one group, as DL4J's plain layer of one group's size counts them. */
        double[] fans();
    }

    private static Shape shape(Layer l) {
        if (l instanceof Shape s) return s;
        throw new IllegalArgumentException("not a grouped layer: " + l.getClass().getName());
    }

    /** Checks that the groups divide both widths (the message names the layer). */
    static void checkDivisible(FeedForwardLayer l, int groups) {
        if (groups < 1 || l.getNIn() % groups != 0 || l.getNOut() % groups != 0) {
            throw new IllegalArgumentException("grouped layer " + l.getLayerName() + ": " + groups
                    + " groups must divide nIn = " + l.getNIn() + " and nOut = " + l.getNOut());
        }
    }

    private static long weights(Shape s) {
        long n = 1;
        for (long d : s.weightShape()) n *= d;
        return n;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        Shape s = shape(layer);
        return weights(s) + (s.hasBias() ? ((FeedForwardLayer) layer).getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return shape(layer).hasBias() ? List.of(WEIGHT, BIAS) : List.of(WEIGHT);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(WEIGHT);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return shape(layer).hasBias() ? List.of(BIAS) : List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray view, boolean initialize) {
        Map<String, INDArray> out = views(conf, view);
        if (initialize) {
            FeedForwardLayer l = (FeedForwardLayer) conf.getLayer();
            Shape s = shape(l);
            double[] fans = s.fans();
            INDArray w = out.get(WEIGHT);
            // the weight init fills a flat view; the parameter stays the shaped view of the same memory
            l.getWeightInitFn().init(fans[0], fans[1], s.weightShape(), 'c', w.reshape(w.length()));
            if (s.hasBias()) out.get(BIAS).assign(l.getBiasInit());
        }
        return out;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray view) {
        return views(conf, view);
    }

    private static Map<String, INDArray> views(NeuralNetConfiguration conf, INDArray view) {
        FeedForwardLayer l = (FeedForwardLayer) conf.getLayer();
        Shape s = shape(l);
        INDArray flat = view.reshape(view.length());
        long nw = weights(s);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(WEIGHT, flat.get(NDArrayIndex.interval(0, nw)).reshape('c', s.weightShape()));
        if (s.hasBias()) out.put(BIAS, flat.get(NDArrayIndex.interval(nw, nw + l.getNOut())).reshape('c', 1, l.getNOut()));
        return out;
    }
}
