package io.ensembles.model.grouped;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A 2-D convolution nIn -> nOut channels in {@code groups} groups (NCHW): output channels
 * [g nOut/G, (g+1) nOut/G) see only input channels [g nIn/G, (g+1) nIn/G), with weights
 * [nOut, nIn/G, kH, kW]. Kernel, stride, padding and convolution mode are DL4J's
 * {@link ConvolutionLayer}'s; the groups are oneDNN convolutions inside the one layer
 * ({@link GroupedConvolutionImpl}).
 */
public class GroupedConvolution extends ConvolutionLayer implements GroupedParams.Shape {
    private int groups = 1;

    /** For DL4J's JSON configuration. */
    public GroupedConvolution() {}

    private GroupedConvolution(Builder b) {
        super(b);
        this.groups = b.groups;
    }

    /** Bean accessors: DL4J's JSON configuration reads and writes layers through them. */
    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public int groups() {
        return groups;
    }

    @Override
    public long[] weightShape() {
        return new long[] {nOut, nIn / groups, kernelSize[0], kernelSize[1]};
    }

    @Override
    public double[] fans() {
        double area = kernelSize[0] * kernelSize[1];
        return new double[] {nIn / (double) groups * area, nOut / (double) groups * area / (stride[0] * stride[1])};
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray params, boolean initialize, DataType type) {
        GroupedParams.checkDivisible(this, groups);
        if (cnn2dDataFormat != null && cnn2dDataFormat != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW) {
            throw new IllegalArgumentException("grouped convolution " + getLayerName() + " supports NCHW only, got "
                    + cnn2dDataFormat);
        }
        return GroupedLayerImpl.setUp(new GroupedConvolutionImpl(conf, type), conf, listeners, index, params, initialize);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedParams.INSTANCE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupedConvolution g && super.equals(o) && g.groups == groups;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups);
    }

    /** DL4J's convolution builder, with the number of groups first. */
    public static final class Builder extends ConvolutionLayer.Builder {
        private final int groups;

        public Builder(int groups, int... kernel) {
            super(kernel);
            if (groups < 1) throw new IllegalArgumentException("groups must be >= 1: " + groups);
            this.groups = groups;
        }

        @Override
        public GroupedConvolution build() {
            return new GroupedConvolution(this);
        }
    }
}
