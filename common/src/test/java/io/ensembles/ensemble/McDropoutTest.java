package io.ensembles.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.testing.FashionMnist;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.config.Architecture;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class McDropoutTest {
    static ExampleSet test;
    static Normalisation norm;

    @BeforeAll
    static void data() {
        EnsembleConfig c = FashionMnist.config("data.test-limit = 64");
        test = DataLoader.test(c.data());
        norm = Normalisation.standardise(test);
    }

    private static ComputationGraph net(Architecture a, double dropout) {
        EnsembleConfig c = FashionMnist.config("model { dropout = " + dropout + ", mlp.hidden = [64, 32], "
                + "resnet.widths = [8, 16] }");
        return new MemberTrainer(c).newNetwork(new MemberSpec(0, "m000", a, 5, false), test);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void passesDifferWithDropoutAndAreReproducibleFromTheirSeed() {
        ComputationGraph net = net(Architecture.MLP, 0.5);
        assertTrue(McDropout.hasDropout(net));
        List<float[]> p = McDropout.passes(net, test, norm, 20, 5, 100);
        assertEquals(5, p.size());
        for (int i = 0; i < p.size(); i++) {
            for (int j = i + 1; j < p.size(); j++) {
                assertTrue(maxAbsDiff(p.get(i), p.get(j)) > 1e-3, "passes " + i + " and " + j + " differ");
            }
        }
        // each pass is a probability distribution per example
        for (int r = 0; r < test.size(); r++) {
            double s = 0;
            for (int k = 0; k < 10; k++) s += p.get(0)[r * 10 + k];
            assertEquals(1.0, s, 1e-4);
        }
        List<float[]> again = McDropout.passes(net, test, norm, 20, 5, 100);
        for (int i = 0; i < 5; i++) assertArrayEquals(p.get(i), again.get(i), "same seed, same pass");
        // the MC prediction is the mean of the passes, and it is not the deterministic output
        float[] mean = io.ensembles.metrics.ClassificationMetrics.average(p);
        float[] plain = Predictor.probabilities(net, test, norm, 20);
        assertTrue(maxAbsDiff(mean, plain) > 1e-4);
        assertTrue(maxAbsDiff(mean, plain) < maxAbsDiff(p.get(0), plain), "averaging moves towards the mean field");
    }

    @Test
    void withoutDropoutEveryPassIsTheDeterministicPrediction() {
        for (Architecture a : new Architecture[] {Architecture.MLP, Architecture.CNN}) {
            ComputationGraph net = net(a, 0.0);
            assertFalse(McDropout.hasDropout(net));
            float[] plain = Predictor.probabilities(net, test, norm, 32);
            for (float[] pass : McDropout.passes(net, test, norm, 32, 3, 7)) {
                assertTrue(maxAbsDiff(plain, pass) < 1e-6, a + ": " + maxAbsDiff(plain, pass));
            }
        }
    }

    @Test
    void batchNormStaysInInferenceModeWhileDropoutIsOn() {
        // a keep probability of ~1 makes every mask all ones: the pass must then equal inference,
        // which it would not if batch norm used the statistics of the batch
        ComputationGraph net = net(Architecture.RESNET, 1e-7);
        assertTrue(McDropout.hasDropout(net));
        float[] plain = Predictor.probabilities(net, test, norm, 32);
        float[] pass = McDropout.passes(net, test, norm, 32, 1, 3).get(0);
        assertTrue(maxAbsDiff(plain, pass) < 1e-4, "MC pass vs inference " + maxAbsDiff(plain, pass));
        // the same weights without dropout (same seed), run with batch statistics
        ComputationGraph same = net(Architecture.RESNET, 0.0);
        assertEquals(net.params(), same.params());
        INDArray x = io.ensembles.data.Batches.features(test, null, 0, 32, norm);
        float[] batchStats = same.outputSingle(true, x).data().asFloat();
        float[] first = java.util.Arrays.copyOf(plain, 32 * 10);
        assertTrue(maxAbsDiff(first, batchStats) > 1e-3, "training-mode batch norm would give other outputs");
    }

    @Test
    void worksOnAFreshlyLoadedConvolutionalModel() throws Exception {
        // a restored model has never run a forward pass: the CNN's preprocessors need the graph input set
        ComputationGraph net = net(Architecture.CNN, 0.3);
        ComputationGraph loaded = io.ensembles.store.ModelIO.fromBytes(io.ensembles.store.ModelIO.toBytes(net, false), false);
        List<float[]> p = McDropout.passes(loaded, test, norm, 16, 2, 1);
        assertEquals(2, p.size());
        assertTrue(maxAbsDiff(p.get(0), p.get(1)) > 1e-4);
        assertTrue(maxAbsDiff(p.get(0), Predictor.probabilities(loaded, test, norm, 16)) > 1e-4);
    }
}
