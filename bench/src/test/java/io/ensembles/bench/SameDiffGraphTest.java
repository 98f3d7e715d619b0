package io.ensembles.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.InputShape;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.FixedSchedule;

/**
 * The SameDiff rebuild computes what the DL4J network computes, from the same parameters: the
 * same probabilities in training mode (batch statistics) and in inference mode (running
 * averages), the same loss, the same gradient of every parameter, and the same parameters after
 * Nesterov steps. Small versions of the three architectures (a 32-example batch). Probabilities
 * are compared in float, as the benchmark runs; gradients and steps in double (in float, batch-norm
 * backward over 25,088 values per channel leaves the ResNet's first-stage gradients 2e-3 apart).
 * In double the MLP and CNN agree to 1e-8; the ResNet's gradients to 1e-4, because SameDiff's
 * softmax-cross-entropy gradient is 3e-6 (relative) off the exact (p - y) / N there, where DL4J's
 * is exact, and the layers below carry that through.
 */
class SameDiffGraphTest {
    private static final double LR = 0.05;

    private static ComputationGraph network(Architecture arch) {
        EnsembleConfig cfg = EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(
                "model { mlp.hidden = [64, 32], cnn { channels = [8, 16], dense = 32 }, resnet { widths = [8, 16] } }"),
                Map.of());
        return ModelFactory.build(arch, cfg.model(), InputShape.image(1, 28, 28), 10, 7,
                new ModelFactory.Optimizer(new FixedSchedule(LR), 0.9, 0));
    }

    private static DataSet batch() {
        return Timing.randomBatch(32);
    }

    private static ComputationGraph doubleNetwork(Architecture arch) {
        return network(arch).convertDataType(DataType.DOUBLE);
    }

    private static DataSet doubleBatch() {
        DataSet ds = batch();
        return new DataSet(ds.getFeatures().castTo(DataType.DOUBLE), ds.getLabels().castTo(DataType.DOUBLE));
    }

    private static double tolerance(Architecture arch) {
        return arch == Architecture.RESNET ? 2e-4 : 1e-8;
    }

    /** The network as a SameDiff graph for training (the test's optimiser, no L2) or for inference. */
    private static SameDiff graph(ComputationGraph net, boolean training) {
        return SameDiffGraph.of(net, 784, training, new Nesterovs(LR, 0.9), 0);
    }

    private static INDArray probabilities(SameDiff sd, DataSet ds) {
        return sd.outputSingle(Map.of(SameDiffGraph.FEATURES, ds.getFeatures()), SameDiffGraph.PROBABILITIES);
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + ": shape");
        double scale = Math.max(1e-3, expected.norm2Number().doubleValue());
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(diff <= tolerance * scale, what + ": |expected - actual| = " + diff + ", |expected| = " + scale);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void sameProbabilitiesInBothModes(Architecture arch) {
        ComputationGraph net = network(arch);
        DataSet ds = batch();
        INDArray sdTrain = probabilities(graph(net, true), ds);
        INDArray sdInfer = probabilities(graph(net, false), ds);
        assertClose(net.outputSingle(false, ds.getFeatures()), sdInfer, 1e-5, arch + " inference");
        assertClose(net.outputSingle(true, ds.getFeatures()), sdTrain, 1e-5, arch + " training mode");
        if (arch == Architecture.RESNET) {
            // batch statistics differ from the fresh network's running averages: the two modes are told apart
            assertFalse(sdTrain.equalsWithEps(sdInfer, 1e-3), "the ResNet's training graph must use batch statistics");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void sameLossAndGradients(Architecture arch) {
        ComputationGraph net = doubleNetwork(arch);
        DataSet ds = doubleBatch();
        SameDiff sd = graph(net, true);
        List<String> params = SameDiffGraph.parameterNames(sd);
        net.setInputs(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        Gradient g = net.gradient();
        Map<String, INDArray> placeholders = Map.of(SameDiffGraph.FEATURES, ds.getFeatures(), SameDiffGraph.LABELS, ds.getLabels());
        double loss = sd.outputSingle(placeholders, SameDiffGraph.LOSS).getDouble(0);
        assertEquals(net.score(), loss, 1e-10 * Math.abs(net.score()), arch + " loss");
        Map<String, INDArray> sdGrads = sd.calculateGradients(placeholders, params);
        assertEquals(params.size(), sdGrads.size());
        int compared = 0;
        for (String p : params) {
            // DL4J's gradient is the batch's sum; its updater divides by the batch size
            INDArray dl4j = g.getGradientFor(p).div(ds.numExamples());
            assertClose(dl4j, SameDiffGraph.dl4jLayout(net, p, sdGrads.get(p)), tolerance(arch), arch + " gradient of " + p);
            compared++;
        }
        assertEquals(net.paramTable().keySet().stream().filter(k -> !k.endsWith("_mean") && !k.endsWith("_var")
                && !k.endsWith("_log10stdev")).count(), compared, arch + ": every trainable parameter compared");
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void sameParametersAfterNesterovSteps(Architecture arch) {
        ComputationGraph net = doubleNetwork(arch);
        DataSet ds = doubleBatch();
        SameDiff sd = graph(net, true);
        for (int step = 0; step < 3; step++) {
            net.fit(ds);
            sd.fit(ds);
        }
        for (String p : SameDiffGraph.parameterNames(sd)) {
            assertClose(net.getParam(p), SameDiffGraph.dl4jLayout(net, p, sd.getVariable(p).getArr()), tolerance(arch), arch + " " + p + " after 3 steps");
        }
    }
}
