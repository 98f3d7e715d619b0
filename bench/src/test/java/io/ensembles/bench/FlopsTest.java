package io.ensembles.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.FixedSchedule;

class FlopsTest {
    private static long macs(Architecture a, String hocon, InputType in) {
        EnsembleConfig c = EnsembleConfig.from(com.typesafe.config.ConfigFactory.parseString(hocon), java.util.Map.of());
        var conf = ModelFactory.configuration(a, c.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, 1,
                new ModelFactory.Optimizer(new FixedSchedule(0.1), 0.9, 0));
        return Flops.forwardMacs(conf, in);
    }

    @Test
    void mlpByHand() {
        assertEquals(784 * 256 + 256 * 128 + 128 * 10,
                macs(Architecture.MLP, "model.mlp.hidden = [256, 128]", InputType.feedForward(784)));
    }

    @Test
    void cnnByHand() {
        long conv1 = 28L * 28 * 16 * 9;       // same padding keeps 28x28
        long conv2 = 14L * 14 * 32 * 9 * 16;  // after the first 2x2 pool
        long dense = 7L * 7 * 32 * 128 + 128 * 10;
        assertEquals(conv1 + conv2 + dense,
                macs(Architecture.CNN, "model.cnn { channels = [16, 32], kernel = 3, dense = 128 }",
                        InputType.convolutionalFlat(28, 28, 1)));
    }

    @Test
    void resnetCountsConvolutionsAndProjectionsButNotBatchNorm() {
        long stem = 28L * 28 * 8 * 9;
        long s0 = 2 * 28L * 28 * 8 * 9 * 8;
        long s1 = 14L * 14 * 16 * 9 * 8 + 14L * 14 * 16 * 9 * 16 + 14L * 14 * 16 * 8; // two convs + 1x1 projection
        long out = 16 * 10;
        assertEquals(stem + s0 + s1 + out, macs(Architecture.RESNET, "model.resnet { widths = [8, 16], blocks-per-stage = 1 }",
                InputType.convolutionalFlat(28, 28, 1)));
    }
}
