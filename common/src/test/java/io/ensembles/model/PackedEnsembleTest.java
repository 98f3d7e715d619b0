package io.ensembles.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.FixedSchedule;
import io.ensembles.config.Architecture;
import io.ensembles.config.Packing;

/**
 * The packed network is the grouped (block-diagonal) network of the paper: its parameter count
 * follows the grouped-layer formula layer by layer, member m's output depends on member m's
 * parameters only, and M = alpha = gamma = 1 is the plain architecture. Checked here on the
 * path-per-group layout; {@code GroupedLayersTest} shows the grouped layout computes the same.
 */
class PackedEnsembleTest {
    static final ModelFactory.Optimizer OPT = new ModelFactory.Optimizer(new FixedSchedule(0.1), 0.9, 0);
    /** Small widths that every (alpha, gamma, M) below divides. */
    private static final String MODEL = """
            model {
              mlp.hidden = [64, 32]
              cnn { channels = [16, 32], kernel = 3, dense = 64 }
              resnet { widths = [16, 32], blocks-per-stage = 1 }
            }
            """;
    static final int CLASSES = 10;

    static EnsembleConfig.ModelSection model() {
        return EnsembleConfig.from(ConfigFactory.parseString(MODEL), Map.of()).model();
    }

    static ComputationGraph plain(Architecture a) {
        return ModelFactory.build(a, model(), io.ensembles.data.InputShape.image(1, 28, 28), CLASSES, 3, OPT);
    }

    /** The path-per-group layout: what these tests check the paper's construction on (GroupedLayersTest checks the grouped one against it). */
    private static ComputationGraph packed(Architecture a, Packing p) {
        return ModelFactory.build(a, model(), p, Packing.Layout.PATHS, io.ensembles.data.InputShape.image(1, 28, 28),
                CLASSES, 3, OPT);
    }

    /**
     * What the paper's packed network has, from the plain network's layers: the first layer
     * C_in x alpha*C_out (dense on the raw input); every inner conv or dense layer
     * (alpha*C_in)(alpha*C_out)k^2 / (gamma*M); batch norm 4 * alpha*C (gamma, beta, mean, var);
     * the last layer (alpha*C_in)(classes*M) / M weights and classes*M biases.
     */
    static long groupedFormula(ComputationGraph plain, double alpha, int gamma, int m) {
        long total = 0;
        for (Layer l : plain.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            total += groupedFormula(plain, name, alpha, gamma, m);
        }
        return total;
    }

    private static long groupedFormula(ComputationGraph plain, String name, double alpha, int gamma, int m) {
        var conf = plain.getLayer(name).conf().getLayer();
        boolean first = plain.getConfiguration().getVertexInputs().get(name).contains(ModelFactory.INPUT);
        if (conf instanceof BatchNormalization bn) return Math.round(4 * alpha * bn.getNOut());
        if (!(conf instanceof FeedForwardLayer ff)) return 0;
        long k = conf instanceof ConvolutionLayer c ? (long) c.getKernelSize()[0] * c.getKernelSize()[1] : 1;
        double cin = ff.getNIn();
        double cout = ff.getNOut();
        boolean bias = !(conf instanceof ConvolutionLayer c) || c.hasBias();
        if (conf instanceof OutputLayer) {
            return Math.round(alpha * cin * (cout * m) / m) + (long) cout * m;
        }
        double weights = first ? cin * alpha * cout * k : alpha * cin * alpha * cout * k / (gamma * m);
        return Math.round(weights) + (bias ? Math.round(alpha * cout) : 0);
    }

    private static long paramsOfLayers(ComputationGraph net, java.util.function.Predicate<String> names) {
        long n = 0;
        for (Layer l : net.getLayers()) {
            if (names.test(l.conf().getLayer().getLayerName())) n += l.numParams();
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aWholePackedNetworkHasTheGroupedFormulasParameters(Architecture a) {
        ComputationGraph plain = plain(a);
        for (Packing p : List.of(new Packing(2, 2, 4), new Packing(1, 1, 4), new Packing(4, 2, 2),
                new Packing(2, 1, 2))) {
            assertEquals(groupedFormula(plain, p.alpha(), p.gamma(), p.heads()), packed(a, p).numParams(),
                    a + " " + p);
        }
    }

    @Test
    void aPackedLayerHasTheGroupedFormulasParameters() {
        ComputationGraph plain = plain(Architecture.CNN);
        Packing p = new Packing(2, 2, 4);
        ComputationGraph net = packed(Architecture.CNN, p);
        // conv1: 16 -> 32, 3x3, as 8 groups of 4 -> 8 channels
        long conv1 = paramsOfLayers(net, n -> n.matches("p\\d+_conv1"));
        assertEquals(2 * 16 * 2 * 32 * 9 / 8 + 2 * 32, conv1);
        assertEquals(groupedFormula(plain, "conv1", 2, 2, 4), conv1);
        // the first conv reads the one input channel densely: 1 -> 32 channels
        assertEquals(32 * 9 + 32, paramsOfLayers(net, n -> n.matches("p\\d+_conv0")));
        // the dense layer reads the flattened 7x7 maps of each group
        assertEquals(groupedFormula(plain, "dense", 2, 2, 4), paramsOfLayers(net, n -> n.matches("p\\d+_dense")));
        // M heads, each from its member's 2*64/4 = 32 features
        assertEquals(4 * (32 * 10 + 10), paramsOfLayers(net, n -> n.startsWith("out")));
        // and the ratio the paper's budget rests on: inner layers cost alpha^2 / (gamma M) of the plain ones
        long plainConv1 = plain.getLayer("conv1").numParams() - 32;
        assertEquals(4.0 / 8, (conv1 - 64) / (double) plainConv1, 1e-12);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void perturbingMemberMChangesHeadMOnly(Architecture a) {
        Packing p = new Packing(2, 2, 4);
        ComputationGraph net = packed(a, p);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 784);
        INDArray[] before = copies(net.output(false, x));
        for (int m = 0; m < p.heads(); m++) {
            ComputationGraph changed = net.clone();
            int member = m;
            int touched = 0;
            for (Layer l : changed.getLayers()) {
                String name = l.conf().getLayer().getLayerName();
                int owner = p.memberOfVertex(name);
                assertTrue(owner >= 0, "every layer belongs to a member: " + name);
                if (owner != member) continue;
                for (INDArray w : l.paramTable().values()) {
                    w.addi(Nd4j.rand(w.dataType(), w.shape()).muli(0.5));
                    touched++;
                }
            }
            assertTrue(touched > 0);
            INDArray[] after = changed.output(false, x);
            for (int h = 0; h < p.heads(); h++) {
                if (h == member) {
                    assertTrue(after[h].sub(before[h]).amaxNumber().doubleValue() > 1e-3,
                            a + ": head " + h + " follows its own member's weights");
                } else {
                    assertArrayEquals(before[h].data().asFloat(), after[h].data().asFloat(), 0f,
                            a + ": head " + h + " must not depend on member " + member);
                }
            }
        }
    }

    @Test
    void theHeadsOfAFreshNetworkDiffer() {
        ComputationGraph net = packed(Architecture.CNN, new Packing(2, 2, 4));
        INDArray[] out = net.output(false, Nd4j.rand(DataType.FLOAT, 4, 784));
        assertEquals(4, out.length);
        for (int h = 1; h < out.length; h++) assertNotEquals(out[0], out[h], "independent initialisation");
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void oneMemberAtAlphaAndGammaOneIsThePlainArchitecture(Architecture a) {
        ComputationGraph plain = plain(a);
        ComputationGraph one = packed(a, new Packing(1, 1, 1));
        assertEquals(plain.numParams(), one.numParams());
        assertEquals(plain.getLayers().length, one.getLayers().length);
        // same layers, same shapes: with the plain network's weights it computes the plain network
        for (Layer l : plain.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            Layer twin = one.getLayer(name.equals(ModelFactory.OUTPUT) ? Packing.headName(0) : Packing.pathPrefix(0) + name);
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                twin.getParam(e.getKey()).assign(e.getValue());
            }
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 784);
        assertArrayEquals(plain.outputSingle(false, x).data().asFloat(), one.outputSingle(false, x).data().asFloat(),
                1e-6f);
    }

    @Test
    void theTrainingScoreIsTheSumOfTheHeadsLosses() {
        // why no learning-rate scaling is needed: the summed loss gives every member the gradient of
        // its own head's loss (the reference averages over heads and multiplies the rate by M)
        Packing p = new Packing(2, 1, 4);
        ComputationGraph net = packed(Architecture.MLP, p);
        int n = 16;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        for (int i = 0; i < n; i++) y.putScalar(i, i % CLASSES, 1f);
        INDArray[] outs = net.output(false, x);
        double sum = 0;
        for (INDArray o : outs) {
            double nll = 0;
            for (int i = 0; i < n; i++) nll -= Math.log(o.getDouble(i, i % CLASSES));
            sum += nll / n;
        }
        INDArray[] labels = {y, y, y, y};
        assertEquals(sum, net.score(new MultiDataSet(new INDArray[] {x}, labels), false), 1e-4);
    }

    @Test
    void widthsThatTheGroupsDoNotDivideAreRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> packed(Architecture.CNN, new Packing(1, 3, 4)));
        assertTrue(e.getMessage().contains("model.cnn.channels[0]") && e.getMessage().contains("gamma * M = 3 * 4 = 12"),
                e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> new Packing(1.3, 1, 2).pathWidth(16, "w"));
        assertTrue(f.getMessage().contains("not a whole number"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Packing(0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new Packing(Double.NaN, 1, 2));
    }

    private static INDArray[] copies(INDArray[] a) {
        INDArray[] c = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) c[i] = a[i].dup();
        return c;
    }
}
