package io.ensembles.bench;

import com.typesafe.config.ConfigFactory;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.data.Batches;
import io.ensembles.data.DataLoader;
import io.ensembles.data.TrainingData;
import io.ensembles.config.Architecture;
import io.ensembles.train.Checkpoint;
import io.ensembles.train.EpochMetrics;
import io.ensembles.train.MemberOutcome;
import io.ensembles.train.MemberSpec;
import io.ensembles.train.MemberTrainer;
import io.ensembles.train.NativeRuntime;
import io.ensembles.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Why the papers' rates failed, measured (issue 22): the small CNN's first epoch at a constant
 * rate of 0.1 and 0.2 (SGD, Nesterov 0.9, weight decay 1e-4) on a Fashion-MNIST slice, under the
 * old recipe (He initialisation, no clipping) and the new one (PyTorch's fan-in-uniform
 * initialisation, with and without per-layer clipping, and with one epoch of warm-up instead), over
 * several seeds: the loss of the fresh network, the weight-decay term after 30 updates (how far the
 * weights blew up) and the validation accuracy after the epoch. One Markdown row per recipe and rate.
 */
@Command(name = "first-epoch-bench", mixinStandardHelpOptions = true,
        description = "The small CNN's first epoch at the papers' rates under the old and new recipes.")
public final class FirstEpochBench implements Runnable {
    @Option(names = "--limit", description = "training examples of the slice (default ${DEFAULT-VALUE})")
    int limit = 20000;
    @Option(names = "--seeds", split = ",", description = "member seeds (default ${DEFAULT-VALUE})")
    List<Long> seeds = List.of(1L, 2L, 3L, 4L);
    @Option(names = "--rates", split = ",", description = "learning rates (default ${DEFAULT-VALUE})")
    List<Double> rates = List.of(0.1, 0.2);

    /** A recipe: its name and the configuration keys that make it. */
    record Recipe(String name, String hocon) {}

    static final List<Recipe> RECIPES = List.of(
            new Recipe("old: he init, decoupled decay, no clipping",
                    "model.weight-init = he, training { weight-decay-mode = decoupled, clip-norm = 0 }"),
            new Recipe("fan-in-uniform init, coupled decay, no clipping", "training.clip-norm = 0"),
            new Recipe("fan-in-uniform, coupled, clip-norm 1 (the default)", ""),
            new Recipe("fan-in-uniform, coupled, no clipping, 1 warm-up epoch",
                    "training { clip-norm = 0, warmup-epochs = 1 }"));

    public static void main(String[] args) {
        System.exit(new CommandLine(new FirstEpochBench()).execute(args));
    }

    @Override
    public void run() {
        NativeRuntime.configure();
        System.out.println("| recipe | rate | start loss (mean) | weight-decay term after 30 updates (per seed) "
                + "| validation accuracy after epoch 1 (per seed) | seeds left at chance |");
        System.out.println("|---|---:|---:|---|---|---:|");
        for (Recipe r : RECIPES) {
            for (double rate : rates) {
                EnsembleConfig c = EnsembleConfig.from(ConfigFactory.parseString("""
                        data { limit = %d, validation-fraction = 0.1 }
                        model { architectures = [cnn], cnn { channels = [16, 32], dense = 128 } }
                        training { epochs = 1, batch-size = 128, learning-rate = %s, schedule = constant }
                        training.log-every-iterations = 1
                        training.collapse-margin = 0
                        %s
                        """.formatted(limit, rate, r.hocon())), Map.of());
                TrainingData data = DataLoader.training(c.data());
                double startSum = 0;
                List<String> penalties = new ArrayList<>();
                List<String> accuracies = new ArrayList<>();
                int atChance = 0;
                for (long seed : seeds) {
                    MemberSpec spec = new MemberSpec(0, "m000", Architecture.CNN, seed, false);
                    ComputationGraph fresh = new MemberTrainer(c).newNetwork(spec, data.train());
                    int[] order = TrainingData.permutation(data.train().size(), new Random(seed * 31));
                    startSum += fresh.score(Batches.batch(data.train(), order, 0, 128, data.normalisation()));
                    double[] at30 = {Double.NaN};
                    MemberOutcome o = train(c, spec, data, at30);
                    double acc = o.completed() ? o.last().validationAccuracy() : Double.NaN;
                    if (!(acc > 0.2)) atChance++;
                    penalties.add(String.format(Locale.ROOT, "%.3f", at30[0]));
                    accuracies.add(o.completed() ? String.format(Locale.ROOT, "%.3f", acc) : "diverged");
                }
                System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %s | %s | %d of %d |%n", r.name(), rate,
                        startSum / seeds.size(), String.join(", ", penalties), String.join(", ", accuracies), atChance,
                        seeds.size());
            }
        }
    }

    private static MemberOutcome train(EnsembleConfig c, MemberSpec spec, TrainingData data, double[] at30) {
        try {
            return new MemberTrainer(c).train(spec, data, new NoCheckpoints(), new TrainingListener() {
                @Override
                public void onIteration(MemberSpec m, int epoch, long iteration, double loss, double penalty,
                                        double lr) {
                    if (iteration == 30) at30[0] = penalty;
                }
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The bench keeps nothing. */
    private static final class NoCheckpoints implements Checkpoint.Store {
        @Override public Checkpoint load() { return null; }
        @Override public void save(Checkpoint c) { }
        @Override public void clear() { }
    }
}
