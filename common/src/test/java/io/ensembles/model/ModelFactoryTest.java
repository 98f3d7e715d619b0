package io.ensembles.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.FixedSchedule;
import io.ensembles.config.Architecture;
import io.ensembles.config.Packing;

class ModelFactoryTest {
    private static final ModelFactory.Optimizer OPT = new ModelFactory.Optimizer(new FixedSchedule(0.1), 0.9, 1e-4);

    private static ComputationGraph build(Architecture a, String hocon, long seed) {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString(hocon), Map.of());
        return ModelFactory.build(a, c.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, seed, OPT);
    }

    private static void outputsProbabilities(ComputationGraph net) {
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 784);
        INDArray p = net.outputSingle(false, x);
        assertArrayEquals(new long[] {3, 10}, p.shape());
        for (int i = 0; i < 3; i++) assertEquals(1.0, p.getRow(i).sumNumber().doubleValue(), 1e-5);
    }

    @Test
    void mlpHasTheExpectedParameters() {
        ComputationGraph net = build(Architecture.MLP, "model.mlp.hidden = [256, 128]", 1);
        assertEquals(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, net.numParams());
        outputsProbabilities(net);
        assertTrue(net.getConfiguration().getDefaultConfiguration().getLayer() != null || true);
    }

    @Test
    void cnnHasTheExpectedParameters() {
        ComputationGraph net = build(Architecture.CNN, "model.cnn { channels = [16, 32], kernel = 3, dense = 128 }", 1);
        long conv = (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 32 + 32);
        long dense = 7 * 7 * 32 * 128 + 128;
        assertEquals(conv + dense + 128 * 10 + 10, net.numParams());
        outputsProbabilities(net);
    }

    @Test
    void resnetHasResidualStagesAndBatchNorm() {
        ComputationGraph net = build(Architecture.RESNET, "model.resnet { widths = [8, 16], blocks-per-stage = 1 }", 1);
        // stem 3x3x1x8 + BN(8); stage 0: two 3x3x8x8 + 2 BN(8); stage 1: 3x3x8x16, 3x3x16x16, 2 BN(16),
        // projection 1x1x8x16 + BN(16); output 16*10+10. BN holds gamma, beta, mean, var.
        long expected = 72 + 32 + 2 * 576 + 2 * 32 + 1152 + 2304 + 2 * 64 + 128 + 64 + 170;
        assertEquals(expected, net.numParams());
        assertTrue(net.getVertex("s1b0_add") != null, "residual addition present");
        outputsProbabilities(net);
    }

    @Test
    void seedDecidesTheInitialWeights() {
        String h = "model.mlp.hidden = [32]";
        assertEquals(build(Architecture.MLP, h, 5).params(), build(Architecture.MLP, h, 5).params());
        assertTrue(!build(Architecture.MLP, h, 5).params().equals(build(Architecture.MLP, h, 6).params()));
    }

    @Test
    void dropoutRateBecomesDl4jRetainProbability() {
        ComputationGraph net = build(Architecture.CNN, "model.dropout = 0.25", 1);
        var layer = net.getLayer(ModelFactory.OUTPUT).conf().getLayer();
        var drop = (org.deeplearning4j.nn.conf.dropout.Dropout) layer.getIDropout();
        assertEquals(0.75, drop.getP(), 1e-12);
        assertTrue(((org.deeplearning4j.nn.conf.layers.BaseLayer) layer).getIUpdater() instanceof Nesterovs);
    }

    @Test
    void everyArchitectureTrainsWithDropoutOnSeveralLayers() {
        // regression: one Dropout object shared by two layers lost a mask ("Dropout mask array is absent")
        for (Architecture a : Architecture.values()) {
            ComputationGraph net = build(a, "model { dropout = 0.3, mlp.hidden = [32, 16], resnet.widths = [8] }", 3);
            java.util.Set<Object> dropouts = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            int layersWithDropout = 0;
            for (var l : net.getLayers()) {
                if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl && bl.getIDropout() != null) {
                    layersWithDropout++;
                    dropouts.add(bl.getIDropout());
                }
            }
            assertEquals(layersWithDropout, dropouts.size(), a + ": each layer has its own Dropout");
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 784);
            INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 10);
            for (int i = 0; i < 8; i++) y.putScalar(i, i % 10, 1f);
            for (int i = 0; i < 3; i++) net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            assertTrue(Double.isFinite(net.score()), a + " trains");
        }
    }

    /** cnn, resnet, their packed versions and mlp for colour 64x64, small grey 8x8 and tabular inputs: probabilities per row. */
    @Test
    void everyArchitectureTakesAnyInputShape() {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString(
                "model { cnn { channels = [8, 16], dense = 32 }, resnet.widths = [8, 16], mlp.hidden = [16] }"), Map.of());
        Packing packing = new Packing(2, 1, 2);
        for (io.ensembles.data.InputShape shape : java.util.List.of(io.ensembles.data.InputShape.image(3, 64, 64),
                io.ensembles.data.InputShape.image(1, 8, 8), io.ensembles.data.InputShape.vector(30))) {
            for (Architecture a : Architecture.values()) {
                if (a != Architecture.MLP && !shape.isImage()) {
                    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                            IllegalArgumentException.class, () -> ModelFactory.build(a, c.model(), shape, 4, 1, OPT));
                    assertTrue(e.getMessage().contains("needs images (C x H x W) but the data are 30 features"), e.getMessage());
                    continue;
                }
                for (Packing p : new Packing[] {null, packing}) {
                    ComputationGraph net = ModelFactory.build(a, c.model(), p, shape, 4, 1, OPT);
                    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, shape.size());
                    INDArray[] out = net.output(false, x);
                    assertEquals(p == null ? 1 : 2, out.length, a + " " + shape);
                    for (INDArray o : out) {
                        assertArrayEquals(new long[] {2, 4}, o.shape(), a + " " + shape + " " + p);
                        assertEquals(1.0, o.getRow(0).sumNumber().doubleValue(), 1e-5);
                    }
                }
            }
        }
    }
}
