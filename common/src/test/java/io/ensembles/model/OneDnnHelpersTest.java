package io.ensembles.model;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.train.NativeRuntime;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.FixedSchedule;
import io.ensembles.config.Architecture;

/**
 * The oneDNN helpers (enabled through conf/jvm.properties and the Nd4jCpu shim) are really used,
 * and compute what DL4J's built-in path computes: same outputs, same gradients, same parameters.
 */
class OneDnnHelpersTest {
    private static ComputationGraph build(Architecture a, boolean helpers) {
        String old = System.getProperty(NativeRuntime.HELPERS_DISABLED);
        System.setProperty(NativeRuntime.HELPERS_DISABLED, Boolean.toString(!helpers));
        try {
            EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString(
                    "model.resnet { widths = [8, 16], blocks-per-stage = 1 }"), Map.of());
            return ModelFactory.build(a, c.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, 3,
                    new ModelFactory.Optimizer(new FixedSchedule(0.05), 0.9, 1e-4));
        } finally {
            if (old == null) System.clearProperty(NativeRuntime.HELPERS_DISABLED);
            else System.setProperty(NativeRuntime.HELPERS_DISABLED, old);
        }
    }

    private static void close(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max difference " + diff + " (scale " + scale + ")");
    }

    @Test
    void theHelpersAreActiveInTheProjectsJvms() {
        assertTrue(NativeRuntime.oneDnnHelpersActive(),
                "oneDNN helpers off: is conf/jvm.properties' java.nd4j.options on this JVM's command line?");
        assertNotNull(build(Architecture.CNN, true).getLayer("conv0").getHelper());
        assertNull(build(Architecture.CNN, false).getLayer("conv0").getHelper());
        // batch norm too: its backward is the ResNet's largest op (docs/performance.md, "Where a training step's time goes")
        assertNotNull(build(Architecture.RESNET, true).getLayer("stem_bn").getHelper());
    }

    @Test
    void helpersComputeWhatTheBuiltInPathComputes() {
        for (Architecture a : new Architecture[] {Architecture.CNN, Architecture.RESNET}) {
            ComputationGraph fast = build(a, true);
            ComputationGraph slow = build(a, false);
            slow.setParams(fast.params().dup());
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.randn(DataType.FLOAT, 16, 784);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
            for (int i = 0; i < 16; i++) y.putScalar(i, i % 10, 1f);

            close(slow.outputSingle(false, x), fast.outputSingle(false, x), 1e-4, a + " inference output");
            close(slow.outputSingle(true, x), fast.outputSingle(true, x), 1e-4, a + " training-mode output");

            fast.setInputs(x);
            fast.setLabels(y);
            fast.computeGradientAndScore();
            slow.setInputs(x);
            slow.setLabels(y);
            slow.computeGradientAndScore();
            close(slow.gradient().gradient(), fast.gradient().gradient(), 1e-3, a + " gradients");

            // a few optimiser steps keep both on the same trajectory
            for (int s = 0; s < 3; s++) {
                fast.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
                slow.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            }
            close(slow.params(), fast.params(), 1e-3, a + " parameters after 3 steps");
        }
    }
}
