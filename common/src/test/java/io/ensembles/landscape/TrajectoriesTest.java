package io.ensembles.landscape;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ensembles.testing.FashionMnist;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.DataLoader;
import io.ensembles.data.ExampleSet;
import io.ensembles.data.TrainingData;
import io.ensembles.ensemble.Predictor;
import io.ensembles.train.Checkpoint;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/**
 * The study's main claim on our own short runs (Fashion-MNIST slice, small MLP): checkpoints along
 * one trajectory stay close in function space, while independently initialised members disagree
 * more, and are nearly orthogonal in weight space.
 */
class TrajectoriesTest {
    /** Keeps a copy of every epoch's network. */
    private static final class KeepAll implements Checkpoint.Store {
        final List<ComputationGraph> nets = new ArrayList<>();

        @Override
        public Checkpoint load() {
            return null;
        }

        @Override
        public void save(Checkpoint c) {
            nets.add(c.net().clone());
        }

        @Override
        public void clear() {}
    }

    /** Disagreement (consecutive epochs of one run, independent members) and weight cosine (same), printed. */
    private static double[] measure(String schedule) throws Exception {
        EnsembleConfig config = FashionMnist.config("""
                data { limit = 3000, test-limit = 1000 }
                model { architectures = [mlp], mlp { hidden = [64] } }
                training { epochs = 5, batch-size = 64, learning-rate = 0.05, schedule = %s }
                """.formatted(schedule));
        TrainingData data = DataLoader.training(config.data());
        ExampleSet test = DataLoader.test(config.data());
        List<List<ComputationGraph>> runs = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
            KeepAll store = new KeepAll();
            new MemberTrainer(config).train(new MemberSpec(m, MemberSpec.idOf(m), config.model().architectureOf(m),
                    config.ensemble().memberSeed(m), false), data, store, TrainingListener.NONE);
            runs.add(store.nets);
        }
        List<ComputationGraph> a = runs.get(0);
        List<ComputationGraph> b = runs.get(1);
        int last = a.size() - 1;
        List<float[]> probs = new ArrayList<>();
        for (ComputationGraph n : List.of(a.get(last - 1), a.get(last), b.get(last))) {
            probs.add(Predictor.probabilities(n, test, data.normalisation(), 500));
        }
        double[][] dis = FunctionSpace.disagreementMatrix(probs, 10);
        double[] r = {dis[0][1], dis[1][2], WeightSpace.cosine(a.get(last - 1).params(), a.get(last).params()),
                WeightSpace.cosine(a.get(last).params(), b.get(last).params())};
        System.out.printf("[landscape] %s rate: disagreement of epochs 4 and 5 of one run %.4f, of two independent "
                + "members %.4f; weight cosine %.4f within, %.4f across%n", schedule, r[0], r[1], r[2], r[3]);
        return r;
    }

    @Test
    void snapshotsOfOneRunDisagreeLessThanIndependentMembers() throws Exception {
        // the study's setting: the rate comes down at the end of the run (cosine, the project's default)
        double[] cosine = measure("cosine");
        assertTrue(cosine[0] < cosine[1], "within " + cosine[0] + " vs across " + cosine[1]);
        assertTrue(cosine[2] > 0.99 && Math.abs(cosine[3]) < 0.2, "cos within " + cosine[2] + ", across " + cosine[3]);
    }

    @Test
    void atAHighConstantRateConsecutiveEpochsDisagreeMoreThanIndependentMembers() throws Exception {
        // What our data shows instead when the rate stays high (0.05, constant, 5 short epochs): one run
        // still moves so much per epoch that its consecutive checkpoints disagree more (13.8%) than two
        // finished independent members do (12.3%), although in weight space they stay almost parallel
        // (cosine 0.989) while the members are orthogonal (0.02). Function-space closeness along a
        // trajectory needs the rate to have come down; the weight-space picture holds either way.
        // (Before the papers' recipe, decoupled decay and He initialisation: 21% against 13%, cosine > 0.99.)
        double[] constant = measure("constant");
        assertTrue(constant[0] > constant[1], "within " + constant[0] + " vs across " + constant[1]);
        assertTrue(constant[2] > 0.98 && Math.abs(constant[3]) < 0.2, "cos within " + constant[2] + ", across "
                + constant[3]);
    }
}
