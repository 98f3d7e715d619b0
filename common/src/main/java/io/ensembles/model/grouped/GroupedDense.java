package io.ensembles.model.grouped;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense layer nIn -> nOut in {@code groups} groups: group g maps input features
 * [g nIn/G, (g+1) nIn/G) to outputs [g nOut/G, (g+1) nOut/G), with weights [G, nIn/G, nOut/G].
 * All groups are one batched matrix product ({@link GroupedDenseImpl}).
 */
public class GroupedDense extends FeedForwardLayer implements GroupedParams.Shape {
    private int groups = 1;
    private boolean hasBias = true;

    /** For DL4J's JSON configuration. */
    public GroupedDense() {}

    private GroupedDense(Builder b) {
        super(b);
        this.groups = b.groups;
        this.hasBias = b.hasBias;
        initializeConstraints(b);
    }

    /** Bean accessors: DL4J's JSON configuration reads and writes layers through them. */
    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    public boolean isHasBias() {
        return hasBias;
    }

    public void setHasBias(boolean hasBias) {
        this.hasBias = hasBias;
    }

    @Override
    public int groups() {
        return groups;
    }

    @Override
    public boolean hasBias() {
        return hasBias;
    }

    @Override
    public long[] weightShape() {
        return new long[] {groups, nIn / groups, nOut / groups};
    }

    @Override
    public double[] fans() {
        return new double[] {nIn / (double) groups, nOut / (double) groups};
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray params, boolean initialize, DataType type) {
        GroupedParams.checkDivisible(this, groups);
        return GroupedLayerImpl.setUp(new GroupedDenseImpl(conf, type), conf, listeners, index, params, initialize);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedParams.INSTANCE;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        long params = initializer().numParams(this);
        long perExample = out.arrayElementsPerExample();
        // forward: the per-group product before it is laid out; backprop: the same for the input's gradient
        return new LayerMemoryReport.Builder(layerName, GroupedDense.class, inputType, out)
                .standardMemory(params, getIUpdater().stateSize(params))
                .workingMemory(0, perExample, 0, perExample + inputType.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupedDense g && super.equals(o) && g.groups == groups && g.hasBias == hasBias;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups, hasBias);
    }

    public static final class Builder extends FeedForwardLayer.Builder<Builder> {
        private final int groups;
        private boolean hasBias = true;

        public Builder(int groups) {
            if (groups < 1) throw new IllegalArgumentException("groups must be >= 1: " + groups);
            this.groups = groups;
        }

        public Builder hasBias(boolean b) {
            this.hasBias = b;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GroupedDense build() {
            return new GroupedDense(this);
        }
    }
}
