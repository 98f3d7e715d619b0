package io.ensembles.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.Normalisation;
import io.ensembles.ensemble.Predictor;
import io.ensembles.metrics.ClassificationMetrics;
import io.ensembles.config.Architecture;
import io.ensembles.model.ModelFactory;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.schedule.FixedSchedule;

/** The loss-landscape measures on small real networks: the identities the study's figures rest on. */
class LandscapeTest {
    private static ComputationGraph mlp(long seed, int hidden) {
        EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString("model.mlp.hidden = [" + hidden + "]"), Map.of());
        return ModelFactory.build(Architecture.MLP, c.model(), io.ensembles.data.InputShape.image(1, 28, 28), 10, seed,
                new ModelFactory.Optimizer(new FixedSchedule(0.1), 0.9, 0));
    }

    private static ExampleSet data(int n) {
        Random r = new Random(3);
        byte[] pixels = new byte[n * 28 * 28];
        r.nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
        return ExampleSet.grey(pixels, labels, 28, 28, 10, "random");
    }

    @Test
    void cosineOfAModelWithItselfIs1AndWithItsNegationMinus1() {
        INDArray p = mlp(1, 16).params();
        assertEquals(1.0, WeightSpace.cosine(p, p), 1e-12);
        assertEquals(-1.0, WeightSpace.cosine(p, p.neg()), 1e-12);
        double[][] m = WeightSpace.cosineMatrix(List.of(p.toFloatVector(), mlp(2, 16).params().toFloatVector(),
                p.neg().toFloatVector(), mlp(1, 8).params().toFloatVector()));
        assertEquals(1.0, m[1][1]);
        assertEquals(m[0][1], m[1][0]);
        assertEquals(-1.0, m[0][2], 1e-12);
        // two independent initialisations are nearly orthogonal
        assertTrue(Math.abs(m[0][1]) < 0.2, "cos = " + m[0][1]);
        // another architecture shares no weight space with them
        assertTrue(Double.isNaN(m[0][3]) && Double.isNaN(m[3][0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightSpace.cosine(p, mlp(1, 8).params()));
        assertTrue(e.getMessage().contains("cannot be compared in weight space"), e.getMessage());
    }

    @Test
    void disagreementOfIdenticalPredictionsIs0() {
        ExampleSet d = data(200);
        Normalisation norm = Normalisation.standardise(d);
        float[] a = Predictor.probabilities(mlp(1, 16), d, norm, 50);
        float[] b = Predictor.probabilities(mlp(2, 16), d, norm, 50);
        double[][] m = FunctionSpace.disagreementMatrix(List.of(a, a.clone(), b), 10);
        assertEquals(0.0, m[0][1]);
        assertEquals(0.0, m[2][2]);
        assertTrue(m[0][2] > 0 && m[0][2] == m[2][0], "different networks disagree somewhere: " + m[0][2]);
        double error = ClassificationMetrics.error(a, d.labels(), 10);
        assertEquals(m[0][2] / error, FunctionSpace.overError(m[0][2], error));
        assertTrue(Double.isNaN(FunctionSpace.overError(0.1, 0)));
    }

    @Test
    void theInterpolationEndsAreTheTwoModelsExactly() {
        ExampleSet d = data(300);
        Normalisation norm = Normalisation.standardise(d);
        ComputationGraph a = mlp(1, 16);
        ComputationGraph b = mlp(2, 16);
        List<Interpolation.Point> line = Interpolation.line(a, b, d, norm, 100, 4);
        assertEquals(5, line.size());
        float[] pa = Predictor.probabilities(a, d, norm, 100);
        float[] pb = Predictor.probabilities(b, d, norm, 100);
        assertEquals(ClassificationMetrics.nll(pa, d.labels(), 10), line.get(0).nll(), 0.0);
        assertEquals(ClassificationMetrics.nll(pb, d.labels(), 10), line.get(4).nll(), 0.0);
        assertEquals(ClassificationMetrics.accuracy(pb, d.labels(), 10), line.get(4).accuracy(), 0.0);
        assertEquals(0.5, line.get(2).lambda());
        // the end networks are left as they were
        assertEquals(pa.length, Predictor.probabilities(a, d, norm, 100).length);
        assertTrue(java.util.Arrays.equals(pa, Predictor.probabilities(a, d, norm, 100)));
    }

    @Test
    void theEmbeddingKeepsTwoGroupsOfPredictionsApartAndIsReproducible() {
        // two "trajectories" of 6 checkpoints each: small steps around two different predictions
        Random r = new Random(5);
        int rows = 300;
        List<float[]> probs = new java.util.ArrayList<>();
        for (int group = 0; group < 2; group++) {
            float[] base = new float[rows * 10];
            for (int i = 0; i < rows; i++) base[i * 10 + r.nextInt(10)] = 1;
            for (int k = 0; k < 6; k++) {
                float[] p = base.clone();
                for (int j = 0; j < p.length; j++) p[j] = 0.8f * p[j] + 0.02f + 0.01f * (float) r.nextGaussian();
                probs.add(p);
            }
        }
        Embedding e = Embedding.of(probs, 11);
        assertEquals(12, e.xy().length);
        assertEquals(11 / 3.0, e.perplexity(), 1e-12, "capped so that points - 1 >= 3 x perplexity");
        double within = 0;
        double across = 0;
        for (int i = 0; i < 12; i++) {
            for (int j = i + 1; j < 12; j++) {
                double d = Math.hypot(e.xy()[i][0] - e.xy()[j][0], e.xy()[i][1] - e.xy()[j][1]);
                if (i / 6 == j / 6) within = Math.max(within, d); else across += d / 36;
            }
        }
        assertTrue(across > 2 * within, "groups apart: largest distance within " + within + ", mean across " + across);
        assertTrue(java.util.Arrays.deepEquals(e.xy(), Embedding.of(probs, 11).xy()), "same seed, same map");
        assertEquals(null, Embedding.of(probs.subList(0, 3), 11), "too few checkpoints for a map");
    }
}
