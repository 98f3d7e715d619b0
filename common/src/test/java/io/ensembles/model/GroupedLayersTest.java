package io.ensembles.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.data.InputShape;
import io.ensembles.model.grouped.GroupedConvolution;
import io.ensembles.model.grouped.GroupedDense;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.BiConsumer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.schedule.FixedSchedule;
import io.ensembles.config.Architecture;
import io.ensembles.config.Packing;

/**
 * The grouped layout of a Packed-Ensemble computes what the path-per-group layout computes: with
 * the same parameters (copied slice by slice), the same outputs of every head, the same gradients,
 * and the same parameters after optimiser steps (momentum and weight decay included); and it has
 * the grouped-layer formula's parameter count.
 */
class GroupedLayersTest {
    private static final InputShape IMAGE = InputShape.image(1, 28, 28);
    private static final List<Packing> PACKINGS = List.of(new Packing(2, 2, 4), new Packing(2, 1, 4),
            new Packing(4, 2, 2), new Packing(1, 1, 2));

    private static ComputationGraph net(Architecture a, Packing p, Packing.Layout layout, ModelFactory.Optimizer opt) {
        return ModelFactory.build(a, PackedEnsembleTest.model(), p, layout, IMAGE, PackedEnsembleTest.CLASSES, 5, opt);
    }

    /**
     * Calls {@code f} with every parameter slice of the grouped network and the path network's array it
     * corresponds to ({@code get} reads an array by layer name and parameter key, e.g. a parameter or its
     * gradient); with {@code write}, what {@code f} assigned to the slices is written back. The slices are
     * cut from a copy: ND4J M2.1's {@code get} returns an empty array for an interval that ends at the end
     * of an offset view, which every layer's parameters are.
     */
    private static void slices(ComputationGraph grouped, ComputationGraph paths, Packing p,
                               java.util.function.BiFunction<String, String, INDArray>[] get, boolean write,
                               BiConsumer<INDArray, INDArray> f) {
        for (Layer l : grouped.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            for (String key : l.paramTable().keySet()) {
                INDArray target = get[0].apply(name, key);
                INDArray g = target.dup('c');
                if (name.startsWith(ModelFactory.OUTPUT)) { // a head: the same layer in both layouts
                    f.accept(g, get[1].apply(name, key));
                } else {
                    for (int path = 0; path < p.paths(); path++) {
                        INDArray q = get[1].apply(Packing.pathPrefix(path) + name, key);
                        var conf = l.conf().getLayer();
                        INDArray slice;
                        if (conf instanceof GroupedDense && key.equals("W")) {
                            slice = g.get(NDArrayIndex.point(path), NDArrayIndex.all(), NDArrayIndex.all());
                        } else if (g.rank() == 4) { // convolution weights [out, in, kH, kW]: by output channel
                            slice = g.get(block(g, 0, path, q.size(0)));
                        } else if (conf instanceof DenseLayer && key.equals("W")) { // the first dense layer [in, out]
                            slice = g.get(block(g, 1, path, q.size(1)));
                        } else { // biases and batch-norm parameters: by channel
                            slice = g.get(block(g, g.rank() - 1, path, q.size(q.rank() - 1)));
                        }
                        assertEquals(q.length(), slice.length(), name + "." + key + " path " + path);
                        f.accept(slice, q);
                    }
                }
                if (write) target.assign(g);
            }
        }
    }

    private static INDArrayIndex[] block(INDArray a, int axis, int i, long size) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        for (int d = 0; d < idx.length; d++) idx[d] = d == axis ? NDArrayIndex.interval(i * size, (i + 1) * size) : NDArrayIndex.all();
        return idx;
    }

    @SuppressWarnings("unchecked")
    private static java.util.function.BiFunction<String, String, INDArray>[] params(ComputationGraph a, ComputationGraph b) {
        return new java.util.function.BiFunction[] {(n, k) -> a.getLayer((String) n).getParam((String) k),
                (n, k) -> b.getLayer((String) n).getParam((String) k)};
    }

    @SuppressWarnings("unchecked")
    private static java.util.function.BiFunction<String, String, INDArray>[] gradients(ComputationGraph a, ComputationGraph b) {
        return new java.util.function.BiFunction[] {(n, k) -> a.gradient().getGradientFor(n + "_" + k),
                (n, k) -> b.gradient().getGradientFor(n + "_" + k)};
    }

    private static void assertClose(INDArray expected, INDArray actual, double rel, String what) {
        assertTrue(java.util.Arrays.equals(expected.shape(), actual.reshape(expected.shape()).shape()), what);
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.reshape(expected.shape()).castTo(DataType.DOUBLE))
                .amaxNumber().doubleValue();
        // float sums in another order: relative to the array's scale, with a floor for arrays near zero
        assertTrue(diff <= Math.max(rel * scale, 1e-5), what + ": differs by " + diff + " at scale " + scale);
    }

    private static MultiDataSet batch(Packing p, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, PackedEnsembleTest.CLASSES);
        for (int i = 0; i < n; i++) y.putScalar(i, (i * 7) % PackedEnsembleTest.CLASSES, 1f);
        INDArray[] labels = new INDArray[p.heads()];
        java.util.Arrays.fill(labels, y);
        return new MultiDataSet(new INDArray[] {x}, labels);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theGroupedLayoutHasTheGroupedFormulasParameters(Architecture a) {
        ComputationGraph plain = PackedEnsembleTest.plain(a);
        for (Packing p : PACKINGS) {
            long grouped = net(a, p, Packing.Layout.GROUPED, PackedEnsembleTest.OPT).numParams();
            assertEquals(PackedEnsembleTest.groupedFormula(plain, p.alpha(), p.gamma(), p.heads()), grouped, a + " " + p);
            assertEquals(net(a, p, Packing.Layout.PATHS, PackedEnsembleTest.OPT).numParams(), grouped, a + " " + p);
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void withThePathsWeightsTheGroupedLayoutComputesTheSameOutputsGradientsAndSteps(Architecture a) {
        ModelFactory.Optimizer opt = new ModelFactory.Optimizer(new FixedSchedule(0.05), 0.9, 5e-4);
        for (Packing p : List.of(new Packing(2, 2, 4), new Packing(2, 1, 4))) {
            String at = a + " " + p;
            ComputationGraph paths = net(a, p, Packing.Layout.PATHS, opt);
            ComputationGraph grouped = net(a, p, Packing.Layout.GROUPED, opt);
            slices(grouped, paths, p, params(grouped, paths), true, (g, q) -> g.assign(q.reshape(g.shape())));
            MultiDataSet data = batch(p, 12, 9);
            INDArray[] want = paths.output(false, data.getFeatures(0));
            INDArray[] got = grouped.output(false, data.getFeatures(0));
            for (int h = 0; h < p.heads(); h++) assertClose(want[h], got[h], 1e-4, at + " head " + h);

            for (ComputationGraph n : List.of(paths, grouped)) {
                n.setInputs(data.getFeatures());
                n.setLabels(data.getLabels());
                n.computeGradientAndScore();
            }
            assertEquals(paths.score(), grouped.score(), 1e-4 * Math.abs(paths.score()), at + " loss");
            slices(grouped, paths, p, gradients(grouped, paths), false, (g, q) -> assertClose(q, g, 2e-3, at + " gradient"));
            // without a cache mode the grouped layers compute the pre-activation again in backprop: the same
            // gradients (a copy built so: DL4J's own convolution keeps a stale pre-activation if the mode is switched)
            ComputationGraph uncached = grouped.clone();
            uncached.setCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE);
            uncached.setInputs(data.getFeatures());
            uncached.setLabels(data.getLabels());
            uncached.computeGradientAndScore();
            slices(uncached, paths, p, gradients(uncached, paths), false,
                    (g, q) -> assertClose(q, g, 2e-3, at + " gradient without a cache mode"));

            for (int step = 0; step < 3; step++) {
                MultiDataSet b = batch(p, 12, 100 + step);
                paths.fit(b);
                grouped.fit(b);
            }
            slices(grouped, paths, p, params(grouped, paths), false, (g, q) -> assertClose(q, g, 2e-3, at + " after 3 steps"));
        }
    }

    @Test
    void theGroupedLayoutUsesGroupedLayersAndRoundTripsThroughDl4jsFormats() throws Exception {
        Packing p = new Packing(2, 2, 4);
        for (Architecture a : Architecture.values()) {
            ComputationGraph net = net(a, p, Packing.Layout.GROUPED, PackedEnsembleTest.OPT);
            boolean grouped = false;
            for (Layer l : net.getLayers()) {
                grouped |= l.conf().getLayer() instanceof GroupedDense || l.conf().getLayer() instanceof GroupedConvolution;
            }
            assertTrue(grouped, a + " has grouped layers");
            ComputationGraphConfiguration conf = net.getConfiguration();
            String json = conf.toJson();
            assertTrue(json.contains("\"groups\" : 8"), a + ": the groups are in the JSON");
            assertEquals(json, ComputationGraphConfiguration.fromJson(json).toJson(), a + " JSON");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ModelSerializer.writeModel(net, bytes, true);
            ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
            assertEquals(net.params(), back.params());
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 784);
            INDArray[] want = net.output(false, x);
            INDArray[] got = back.output(false, x);
            for (int h = 0; h < p.heads(); h++) assertEquals(want[h], got[h], a + " head " + h);
        }
    }
}
