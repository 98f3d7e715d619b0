package io.ensembles.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated configuration of an ensemble job: the user's file over the bundled defaults
 * ({@code ensembles-defaults.conf}), then command-line overrides. Every value is checked here,
 * before Spark starts; a bad one fails with a message naming the key, the value and what is allowed.
 */
public record EnsembleConfig(
        EnsembleSection ensemble,
        DataSection data,
        ModelSection model,
        TrainingSection training,
        EvaluationSection evaluation,
        BudgetSection budget,
        SnapshotSection snapshot,
        PackedSection packed,
        RetrainSection retrain,
        DeviceSection device,
        DebugSection debug,
        String rendered) implements Serializable {

    public static final String DEFAULTS_RESOURCE = "ensembles-defaults.conf";
    public static final Set<String> SNAPSHOT_MODES = Set.of("auto", "single-task", "data-parallel");
    public static final Set<String> SCHEDULES = Set.of("constant", "step", "cosine");
    public static final Set<String> DECAY_MODES = Set.of(TrainingSection.DECAY_COUPLED, TrainingSection.DECAY_DECOUPLED);
    public static final Set<String> WEIGHT_INITS = Set.of(ModelSection.INIT_FAN_IN_UNIFORM, ModelSection.INIT_HE);
    /** How a retrained version starts, and the metrics that may decide its promotion (all lower-is-better). */
    public static final Set<String> RETRAIN_INITS = Set.of("new-seeds", "warm-start");

    public static final Set<String> RETRAIN_METRICS = Set.of("error", "nll", "calibrated-nll", "ece", "brier");
    /** Whether tasks use the GPU Spark assigned them (see {@link DeviceSection}). */
    public static final Set<String> GPU_POLICIES = Set.of("off", "preferred", "required");

    public record EnsembleSection(String name, Method method, int members, long seed, boolean bagging)
            implements Serializable {
        /** The seed of member {@code k}: distinct per member, reproducible from the base seed. */
        public long memberSeed(int k) {
            return seed + 1000L * k;
        }
    }

    /**
     * The data sets. {@code normalisation} is {@value #NORM_STANDARDISE} (pixels scaled to [0, 1], then
     * the training split's mean and standard deviation) or {@value #NORM_UNIT_RANGE} (pixels scaled to
     * [0, 1] only, as PyTorch's {@code ToTensor}).
     */
    public record DataSection(String trainImages, String trainLabels, String testImages, String testLabels,
                              int classes, int limit, int testLimit, double validationFraction, long splitSeed,
                              String oodImages, String normalisation, SourceSpec train, SourceSpec test,
                              SourceSpec ood, List<Integer> resize, String split, Streaming streaming)
            implements Serializable {
        public static final String NORM_STANDARDISE = "standardise";
        public static final String SPLIT_AUTO = "auto";
        public static final String SPLIT_PERMUTATION = "permutation";
        public static final String SPLIT_HASH = "hash";

        /** Whether a training set read from a table ({@code table}) or from files is split by row hash. */
        public boolean hashSplit(boolean table) {
            return SPLIT_HASH.equals(split) || (SPLIT_AUTO.equals(split) && table);
        }
        public static final String NORM_UNIT_RANGE = "unit-range";

        /**
         * How a training table reaches the member tasks: below {@code broadcastMaxMb} (decoded) the
         * driver reads it and broadcasts it; above, every task streams its row groups through a
         * shuffle buffer of {@code shuffleBuffer} rows, decoded row groups cached on the executor's
         * local disk as {@code localCache} says: {@value #CACHE_ON}, {@value #CACHE_OFF}, or
         * {@value #CACHE_AUTO} (each row group that leaves the disk room to spare).
         */
        public record Streaming(double broadcastMaxMb, int shuffleBuffer, String localCache) implements Serializable {
            public static final String CACHE_AUTO = "auto";
            public static final String CACHE_ON = "true";
            public static final String CACHE_OFF = "false";
        }

        /** Whether {@code data.<set>} names a Spark SQL (or idx / digits-csv) source instead of the file keys. */
        public boolean usesSources() {
            return train.configured() || test.configured();
        }
    }

    /**
     * The architectures and their sizes. {@code weightInit} is how conv and dense weights start:
     * {@value #INIT_FAN_IN_UNIFORM} (PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), under
     * which the papers' learning rates were tuned) or {@value #INIT_HE} (He-normal hidden layers and a
     * Xavier output: the project's default before 2026-12, which diverges at rates of 0.1 and more).
     */
    public record ModelSection(List<Architecture> architectures, double dropout, List<Integer> mlpHidden,
                               List<Integer> cnnChannels, int cnnKernel, int cnnDense,
                               List<Integer> resnetWidths, int resnetBlocks, String weightInit) implements Serializable {
        public static final String INIT_FAN_IN_UNIFORM = "fan-in-uniform";
        public static final String INIT_HE = "he";

        public Architecture architectureOf(int member) {
            return architectures.get(member % architectures.size());
        }

        /** The layer widths of an architecture, by the setting that holds each ("model.cnn.channels[1]"). */
        public java.util.Map<String, Integer> widthsOf(Architecture a) {
            java.util.Map<String, Integer> w = new java.util.LinkedHashMap<>();
            switch (a) {
                case MLP -> indexed(w, "model.mlp.hidden", mlpHidden);
                case CNN -> {
                    indexed(w, "model.cnn.channels", cnnChannels);
                    w.put("model.cnn.dense", cnnDense);
                }
                case RESNET -> indexed(w, "model.resnet.widths", resnetWidths);
            }
            return w;
        }

        private static void indexed(java.util.Map<String, Integer> w, String key, List<Integer> values) {
            for (int i = 0; i < values.size(); i++) w.put(key + "[" + i + "]", values.get(i));
        }
    }

    /**
     * Packed-Ensembles (method "packed"): alpha, gamma, and M = heads members per network (0 = all
     * ensemble.members in one network; else K / M networks, trained one per task).
     */
    public record PackedSection(double alpha, int gamma, int headsSetting) implements Serializable {
        public int heads(EnsembleSection e) {
            return headsSetting > 0 ? headsSetting : e.members();
        }

        public int networks(EnsembleSection e) {
            return e.members() / heads(e);
        }

        public io.ensembles.config.Packing packing(EnsembleSection e) {
            return new io.ensembles.config.Packing(alpha, gamma, heads(e));
        }
    }

    /**
     * How every member trains. {@code weightDecayMode} is {@value #DECAY_COUPLED} (L2 added to the
     * gradient before momentum, as the papers' SGD and PyTorch's {@code weight_decay}) or
     * {@value #DECAY_DECOUPLED} ({@code w -= lr * lambda * w} after the momentum step, as in SGDW/AdamW).
     * {@code warmupEpochs} (0 = none) ramps the rate up linearly; {@code clipNorm} (0 = none) caps
     * every layer's gradient L2 norm; {@code collapseMargin} (0 = no guard) marks a member whose
     * validation accuracy is within that margin of chance as collapsed.
     */
    public record TrainingSection(int epochs, int batchSize, double learningRate, double momentum,
                                  double weightDecay, String weightDecayMode, double warmupEpochs, double clipNorm,
                                  String schedule, int stepEpochs, double stepFactor,
                                  double divergenceLoss, double collapseMargin, int logEveryIterations,
                                  boolean dataParallel, boolean keepCheckpoints)
            implements Serializable {
        public static final String DECAY_COUPLED = "coupled";
        public static final String DECAY_DECOUPLED = "decoupled";

        public boolean decoupledDecay() {
            return DECAY_DECOUPLED.equals(weightDecayMode);
        }
    }

    /**
     * {@code oodTpr}: the share of held-out in-distribution rows that scoring's {@code is_ood} keeps
     * in distribution; the evaluation fits the threshold on the test set and stores it in the manifest.
     */
    public record EvaluationSection(int batchSize, int eceBins, int mcPasses, int randomOrders, int rowsPerTask,
                                    int maxMembers, boolean writePredictions, double oodTpr) implements Serializable {
        /** The members an evaluation or a scoring uses: the first {@code max-members} (all when 0). */
        public <T> List<T> evaluated(List<T> members) {
            return maxMembers > 0 && members.size() > maxMembers ? members.subList(0, maxMembers) : members;
        }
    }

    /** B, the epochs of one ordinary model; {@link #baseEpochs(TrainingSection)} resolves the 0 default. */
    public record BudgetSection(int baseEpochsSetting) implements Serializable {
        public int baseEpochs(TrainingSection t) {
            return baseEpochsSetting > 0 ? baseEpochsSetting : t.epochs();
        }
    }

    public record SnapshotSection(int cycles, int fgePretrainEpochsSetting, double fgePretrainFinalRatio,
                                  double fgeCycleEpochs, double fgeRateHigh, double fgeRateLow,
                                  double nocycleDropFactor, String mode, int dataParallelMinExamples,
                                  int averagingFrequency, int workers) implements Serializable {
        /** Pre-training epochs of FGE: the setting, or 80% of the run rounded down. */
        public int fgePretrainEpochs(TrainingSection t) {
            return fgePretrainEpochsSetting > 0 ? fgePretrainEpochsSetting : (int) Math.floor(0.8 * t.epochs());
        }
    }

    /**
     * Scheduled retraining ({@code retrain}): how a new version starts, the metric and tolerance that
     * decide whether it replaces the current one, and how many versions are kept.
     */
    public record RetrainSection(String init, String metric, double tolerance, int keepVersions)
            implements Serializable {}

    /**
     * Devices: {@code gpu} is off (always the CPU), preferred (the GPU Spark assigned the task when
     * there is one and ND4J's backend is CUDA, else the CPU, recorded as a fallback) or required
     * (a task without a usable GPU fails, saying why).
     */
    public record DeviceSection(String gpu) implements Serializable {}

    /**
     * Fault injection for tests: {@code failMember} throws after epoch {@code failAfterEpoch} on its
     * first attempt; {@code shuffleLabelsMember} trains on randomly permuted training labels, so it
     * learns nothing that generalises (what the collapse guard must catch). -1 = off. The first
     * attempt of each of {@code holdMembers} waits after the checkpoint of {@code holdAfterEpoch}
     * at a file barrier in {@code holdDir} (see ensembles-defaults.conf).
     */
    public record DebugSection(int failMember, int failAfterEpoch, int shuffleLabelsMember, List<Integer> holdMembers,
                               int holdAfterEpoch, String holdDir) implements Serializable {
        public DebugSection {
            holdMembers = List.copyOf(holdMembers);
        }

        /** Whether the first attempt of member {@code index} fails after its checkpoint of {@code epoch} (of {@code epochs}). */
        public boolean fails(int index, int epoch, int epochs) {
            return failMember == index && failAfterEpoch == epoch && epoch < epochs;
        }

        /** Whether the first attempt of member {@code index} waits at the barrier after {@code epoch}. */
        public boolean holds(int index, int epoch) {
            return holdMembers.contains(index) && epoch == holdAfterEpoch;
        }
    }

    /** Defaults only. */
    public static EnsembleConfig defaults() {
        return from(ConfigFactory.empty(), Map.of());
    }

    /** Loads a config file (HOCON or JSON) over the defaults, then applies overrides (key -> value). */
    public static EnsembleConfig load(File file, Map<String, Object> overrides) {
        if (!file.isFile()) {
            throw new ConfigValidationException("config file " + file + " does not exist or is not a file");
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigValidationException("config file " + file + " cannot be parsed: " + e.getMessage());
        }
        return from(user, overrides);
    }

    /** Builds from an already parsed user config (over the defaults) and overrides. */
    public static EnsembleConfig from(Config user, Map<String, Object> overrides) {
        Config defaults = ConfigFactory.parseResources(EnsembleConfig.class.getClassLoader(), DEFAULTS_RESOURCE);
        if (defaults.isEmpty()) throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
        Config merged;
        try {
            merged = user.resolve();
        } catch (ConfigException e) {
            throw new ConfigValidationException("config cannot be resolved: " + e.getMessage());
        }
        for (Map.Entry<String, ConfigValue> e : merged.entrySet()) {
            if (!defaults.hasPath(e.getKey()) && !SourceSpec.isReaderOption(e.getKey())) {
                throw new ConfigValidationException("unknown configuration key '" + e.getKey() + "' (value "
                        + e.getValue().render(ConfigRenderOptions.concise()) + "); see "
                        + DEFAULTS_RESOURCE + " for the known keys");
            }
        }
        for (Map.Entry<String, Object> o : overrides.entrySet()) {
            if (!defaults.hasPath(o.getKey()) && !SourceSpec.isReaderOption(o.getKey())) {
                throw new ConfigValidationException("unknown configuration key '" + o.getKey() + "' (value "
                        + o.getValue() + "); see " + DEFAULTS_RESOURCE + " for the known keys");
            }
            merged = merged.withValue(o.getKey(), ConfigReader.overrideValue(o.getValue()));
        }
        merged = merged.withFallback(defaults).resolve();
        return ConfigParser.parse(merged);
    }
}
