package io.ensembles.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.Serializable;
import java.util.ArrayList;
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
    // Sanity maxima: sizes above these can only be mistakes (--members 1000000 would run until
    // killed). Each is documented beside its key in ensembles-defaults.conf (ConfigTest checks that).
    public static final int MAX_MEMBERS = 1000;
    public static final int MAX_EPOCHS = 10_000;
    public static final int MAX_BATCH = 65_536;
    public static final int MAX_WIDTH = 65_536;
    public static final int MAX_KERNEL = 31;
    public static final int MAX_BLOCKS = 64;
    public static final int MAX_PASSES = 1000;
    public static final int MAX_ORDERS = 1000;
    public static final int MAX_CYCLES = 1000;
    public static final int MAX_GAMMA = 64;
    /** The keys with a maximum, and it (for the test that the defaults file documents each one). */
    public static final Map<String, Integer> MAXIMA = Map.ofEntries(
            Map.entry("ensemble.members", MAX_MEMBERS), Map.entry("training.epochs", MAX_EPOCHS),
            Map.entry("training.batch-size", MAX_BATCH), Map.entry("model.mlp.hidden", MAX_WIDTH),
            Map.entry("model.cnn.channels", MAX_WIDTH), Map.entry("model.cnn.kernel", MAX_KERNEL),
            Map.entry("model.cnn.dense", MAX_WIDTH), Map.entry("model.resnet.widths", MAX_WIDTH),
            Map.entry("model.resnet.blocks-per-stage", MAX_BLOCKS), Map.entry("evaluation.mc-passes", MAX_PASSES),
            Map.entry("evaluation.random-orders", MAX_ORDERS), Map.entry("snapshot.cycles", MAX_CYCLES),
            Map.entry("packed.gamma", MAX_GAMMA), Map.entry("packed.heads", MAX_MEMBERS));

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
                                    int maxMembers, boolean writePredictions, double oodTpr) implements Serializable {}

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
     * learns nothing that generalises (what the collapse guard must catch). -1 = off.
     */
    public record DebugSection(int failMember, int failAfterEpoch, int shuffleLabelsMember) implements Serializable {}

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
            merged = merged.withValue(o.getKey(), overrideValue(o.getValue()));
        }
        merged = merged.withFallback(defaults).resolve();
        return parse(merged);
    }

    /** Command-line text is read as a HOCON value (numbers, lists, booleans), else kept as a string. */
    private static ConfigValue overrideValue(Object v) {
        if (v instanceof String text) {
            try {
                return ConfigFactory.parseString("v = " + text).getValue("v");
            } catch (ConfigException e) {
                return ConfigValueFactory.fromAnyRef(text);
            }
        }
        return ConfigValueFactory.fromAnyRef(v);
    }

    private static EnsembleConfig parse(Config c) {
        Reader r = new Reader(c);
        String name = r.nonBlank("ensemble.name");
        // the name becomes a folder (the default output ensembles/<name>): it may not lead elsewhere
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.contains("..")) {
            r.fail("ensemble.name", "\"" + name + "\"", "letters, digits, '.', '_' and '-', starting with a letter "
                    + "or digit, without '..' (it names a folder)");
        }
        EnsembleSection ens = new EnsembleSection(
                name,
                Method.of(r.oneOf("ensemble.method", Method.ids())),
                r.intIn("ensemble.members", 1, MAX_MEMBERS),
                r.longAny("ensemble.seed"),
                r.bool("ensemble.bagging"));
        DataSection data = new DataSection(
                r.nonBlank("data.train-images"), r.nonBlank("data.train-labels"),
                r.nonBlank("data.test-images"), r.nonBlank("data.test-labels"),
                r.intAtLeast("data.classes", 2),
                r.intAtLeast("data.limit", 0),
                r.intAtLeast("data.test-limit", 0),
                r.doubleIn("data.validation-fraction", 0.0, true, 0.9, true),
                r.longAny("data.split-seed"),
                r.string("data.ood-images"),
                r.oneOf("data.normalisation", Set.of(DataSection.NORM_STANDARDISE, DataSection.NORM_UNIT_RANGE)),
                source(r, c, "train"), source(r, c, "test"), source(r, c, "ood"),
                resize(r), r.oneOf("data.split", Set.of(DataSection.SPLIT_AUTO, DataSection.SPLIT_PERMUTATION,
                        DataSection.SPLIT_HASH)),
                new DataSection.Streaming(r.doubleIn("data.broadcast-max-mb", 0.0, true, 1e9, true),
                        r.intAtLeast("data.shuffle-buffer", 1), r.oneOf("data.local-cache", Set.of(DataSection.Streaming.CACHE_AUTO,
                        DataSection.Streaming.CACHE_ON, DataSection.Streaming.CACHE_OFF))));
        if (data.train().configured() != data.test().configured()) {
            String missing = data.train().configured() ? "data.test" : "data.train";
            r.fail(missing + ".format", "\"\"", "a source as well: data.train and data.test are both source blocks "
                    + "or both left empty (the data.train-images ... keys)");
        }
        List<Architecture> archs = new ArrayList<>();
        List<String> names = r.stringList("model.architectures");
        if (names.isEmpty()) r.fail("model.architectures", "[]", "a non-empty list of " + Architecture.names());
        for (String n : names) {
            Architecture a = Architecture.byName(n);
            if (a == null) r.fail("model.architectures", "\"" + n + "\"", "one of " + Architecture.names());
            archs.add(a);
        }
        ModelSection model = new ModelSection(List.copyOf(archs),
                r.doubleIn("model.dropout", 0.0, true, 1.0, false),
                r.positiveInts("model.mlp.hidden", MAX_WIDTH),
                r.positiveInts("model.cnn.channels", MAX_WIDTH),
                r.intIn("model.cnn.kernel", 1, MAX_KERNEL),
                r.intIn("model.cnn.dense", 1, MAX_WIDTH),
                r.positiveInts("model.resnet.widths", MAX_WIDTH),
                r.intIn("model.resnet.blocks-per-stage", 1, MAX_BLOCKS),
                r.oneOf("model.weight-init", WEIGHT_INITS));
        if (model.cnnChannels().size() > 4) {
            r.fail("model.cnn.channels", model.cnnChannels().toString(), "at most 4 conv stages for 28x28 inputs");
        }
        if (model.resnetWidths().size() > 4) {
            r.fail("model.resnet.widths", model.resnetWidths().toString(), "at most 4 stages for 28x28 inputs");
        }
        TrainingSection tr = new TrainingSection(
                r.intIn("training.epochs", 1, MAX_EPOCHS),
                r.intIn("training.batch-size", 1, MAX_BATCH),
                r.doubleIn("training.learning-rate", 0.0, false, 10.0, true),
                r.doubleIn("training.momentum", 0.0, true, 1.0, false),
                r.doubleIn("training.weight-decay", 0.0, true, 1.0, true),
                r.oneOf("training.weight-decay-mode", DECAY_MODES),
                r.doubleIn("training.warmup-epochs", 0.0, true, 10000.0, true),
                r.doubleIn("training.clip-norm", 0.0, true, Double.MAX_VALUE, true),
                r.oneOf("training.schedule", SCHEDULES),
                r.intAtLeast("training.step-epochs", 1),
                r.doubleIn("training.step-factor", 0.0, false, 1.0, true),
                r.doubleIn("training.divergence-loss", 0.0, false, Double.MAX_VALUE, true),
                r.doubleIn("training.collapse-margin", 0.0, true, 1.0, false),
                r.intAtLeast("training.log-every-iterations", 1),
                r.bool("training.data-parallel"),
                r.bool("training.keep-checkpoints"));
        EvaluationSection ev = new EvaluationSection(
                r.intAtLeast("evaluation.batch-size", 1),
                r.intAtLeast("evaluation.ece-bins", 1),
                r.intIn("evaluation.mc-passes", 1, MAX_PASSES),
                r.intIn("evaluation.random-orders", 0, MAX_ORDERS),
                r.intAtLeast("evaluation.rows-per-task", 1),
                r.intAtLeast("evaluation.max-members", 0),
                r.bool("evaluation.write-predictions"),
                r.doubleIn("evaluation.ood-tpr", 0.0, false, 1.0, false));
        BudgetSection budget = new BudgetSection(r.intAtLeast("budget.base-epochs", 0));
        SnapshotSection snap = new SnapshotSection(
                r.intIn("snapshot.cycles", 1, MAX_CYCLES),
                r.intAtLeast("snapshot.fge.pretrain-epochs", 0),
                r.doubleIn("snapshot.fge.pretrain-final-ratio", 0.0, false, 1.0, true),
                r.doubleIn("snapshot.fge.cycle-epochs", 0.0, false, 1000.0, true),
                r.doubleIn("snapshot.fge.rate-high", 0.0, false, 10.0, true),
                r.doubleIn("snapshot.fge.rate-low", 0.0, false, 10.0, true),
                r.doubleIn("snapshot.nocycle.drop-factor", 0.0, false, 1.0, true),
                r.oneOf("snapshot.mode", SNAPSHOT_MODES),
                r.intAtLeast("snapshot.data-parallel-min-examples", 1),
                r.intAtLeast("snapshot.averaging-frequency", 1),
                r.intAtLeast("snapshot.workers", 0));
        PackedSection packed = new PackedSection(
                r.doubleIn("packed.alpha", 0.0, false, 64.0, true),
                r.intIn("packed.gamma", 1, MAX_GAMMA),
                r.intIn("packed.heads", 0, MAX_MEMBERS));
        checkMethod(r, ens.method(), model, tr, snap);
        if (ens.method() == Method.PACKED) checkPacking(r, ens, model, packed);
        RetrainSection retrain = new RetrainSection(
                r.oneOf("retrain.init", RETRAIN_INITS),
                r.oneOf("retrain.metric", RETRAIN_METRICS),
                r.doubleIn("retrain.tolerance", 0.0, true, 1e6, true),
                r.intAtLeast("retrain.keep-versions", 1));
        DeviceSection device = new DeviceSection(r.oneOf("device.gpu", GPU_POLICIES));
        DebugSection dbg = new DebugSection(r.intAtLeast("debug.fail-member", -1),
                r.intAtLeast("debug.fail-after-epoch", 1), r.intAtLeast("debug.shuffle-labels-member", -1));
        String rendered = c.root().render(ConfigRenderOptions.concise().setFormatted(true));
        return new EnsembleConfig(ens, data, model, tr, ev, budget, snap, packed, retrain, device, dbg, rendered);
    }

    /** {@code data.<set>}: a source block, or not configured ({@code format = ""}). */
    private static SourceSpec source(Reader r, Config c, String set) {
        String k = "data." + set + ".";
        String format = r.string(k + "format").trim();
        Map<String, String> options = new java.util.TreeMap<>();
        if (c.hasPath(k + "options")) {
            for (Map.Entry<String, ConfigValue> o : c.getConfig(k + "options").entrySet()) {
                Object v = o.getValue().unwrapped();
                options.put(com.typesafe.config.ConfigUtil.splitPath(o.getKey()).stream()
                        .collect(java.util.stream.Collectors.joining(".")), String.valueOf(v));
            }
        }
        SourceSpec spec = new SourceSpec(set, format, r.string(k + "path").trim(), options,
                r.string(k + "label-column").trim(), r.string(k + "image-column").trim(),
                r.string(k + "features-column").trim(), List.copyOf(r.stringList(k + "feature-columns")),
                r.string(k + "id-column").trim());
        if (!spec.configured()) return spec;
        if (spec.path().isEmpty()) r.fail(k + "path", "\"\"", "the URI of the " + set + " table (any Hadoop URI, globs allowed)");
        int inputs = (spec.imageColumn().isEmpty() ? 0 : 1) + (spec.featuresColumn().isEmpty() ? 0 : 1)
                + (spec.featureColumns().isEmpty() ? 0 : 1);
        if (inputs > 1) {
            r.fail(k + "image-column", "\"" + spec.imageColumn() + "\"", "only one of image-column, features-column and "
                    + "feature-columns");
        }
        if (inputs == 0 && !SourceSpec.IMPLIED_INPUT.contains(format)) {
            r.fail(k + "image-column", "\"\"", "an image-column, a features-column or feature-columns for format '"
                    + format + "'");
        }
        if (SourceSpec.IDX.equals(format) && !options.containsKey("labels")) {
            r.fail(k + "options.labels", "(missing)", "the URI of the IDX label file for format idx");
        }
        return spec;
    }

    /** {@code data.image.resize}: [] (no resizing) or [height, width]. */
    private static List<Integer> resize(Reader r) {
        List<Integer> v = r.get("data.image.resize", () -> r.c().getIntList("data.image.resize"), "[] or [height, width]");
        if (!v.isEmpty() && (v.size() != 2 || v.get(0) < 1 || v.get(1) < 1 || v.get(0) > 4096 || v.get(1) > 4096)) {
            r.fail("data.image.resize", r.raw("data.image.resize"), "[] or [height, width] of whole numbers 1..4096");
        }
        return List.copyOf(v);
    }

    /** Cross-key rules of the methods, checked before any data is read (for library callers as for the CLI). */
    private static void checkMethod(Reader r, Method method, ModelSection model, TrainingSection t, SnapshotSection s) {
        switch (method) {
            case MC_DROPOUT -> {
                if (model.dropout() <= 0) {
                    r.fail("model.dropout", String.valueOf(model.dropout()), "a rate > 0 for mc-dropout, e.g. --set model.dropout=0.2");
                }
            }
            case SSE, NOCYCLE -> {
                if (s.cycles() < 2) r.fail("snapshot.cycles", String.valueOf(s.cycles()), "2 or more for " + method);
            }
            case FGE -> {
                if (s.fgeRateHigh() <= s.fgeRateLow()) {
                    r.fail("snapshot.fge.rate-high", String.valueOf(s.fgeRateHigh()),
                            "a rate above snapshot.fge.rate-low = " + s.fgeRateLow() + " (a1 > a2)");
                }
                int pre = s.fgePretrainEpochs(t);
                if (pre < 1 || pre + s.fgeCycleEpochs() / 2 > t.epochs()) {
                    r.fail("snapshot.fge.pretrain-epochs", String.valueOf(pre), "at least 1 and leaving room for half a "
                            + "cycle (" + s.fgeCycleEpochs() / 2 + " epochs) within training.epochs = " + t.epochs());
                }
            }
            default -> { }
        }
    }

    /** M must divide K, and every width of every architecture must split into gamma * M equal groups. */
    private static void checkPacking(Reader r, EnsembleSection e, ModelSection m, PackedSection p) {
        int heads = p.heads(e);
        if (e.members() % heads != 0) {
            r.fail("packed.heads", String.valueOf(heads), "a divisor of ensemble.members = " + e.members()
                    + " (each packed network holds M of the K members)");
        }
        io.ensembles.config.Packing packing = p.packing(e);
        for (Architecture a : m.architectures()) {
            for (var w : m.widthsOf(a).entrySet()) {
                try {
                    packing.pathWidth(w.getValue(), w.getKey());
                } catch (IllegalArgumentException ex) {
                    throw new ConfigValidationException("invalid packing " + packing + " for the " + a.id() + ": "
                            + ex.getMessage() + "; change packed.alpha, packed.gamma, the number of members or "
                            + w.getKey());
                }
            }
        }
    }

    /** Typed reads that turn every wrong type or range into a message naming key, value and what is allowed. */
    private record Reader(Config c) {
        String raw(String key) {
            return c.getValue(key).render(ConfigRenderOptions.concise());
        }

        void fail(String key, String value, String allowed) {
            throw new ConfigValidationException("invalid value for " + key + ": " + value + " (expected " + allowed + ")");
        }

        String string(String key) {
            return get(key, () -> c.getString(key), "a string");
        }

        String nonBlank(String key) {
            String v = get(key, () -> c.getString(key), "a string");
            if (v.isBlank()) fail(key, "\"\"", "a non-empty string");
            return v;
        }

        String oneOf(String key, Set<String> allowed) {
            String v = get(key, () -> c.getString(key), "one of " + allowed);
            if (!allowed.contains(v)) fail(key, "\"" + v + "\"", "one of " + new java.util.TreeSet<>(allowed));
            return v;
        }

        boolean bool(String key) {
            return get(key, () -> c.getBoolean(key), "true or false");
        }

        long longAny(String key) {
            return get(key, () -> c.getLong(key), "a whole number");
        }

        /** A whole number in [min, max]; max is a sanity bound, named as such in the error. */
        int intIn(String key, int min, int max) {
            int v = intAtLeast(key, min);
            if (v > max) {
                fail(key, raw(key), "a whole number from " + min + " to " + max + "; larger can only be a mistake "
                        + "(the maximum is documented in ensembles-defaults.conf)");
            }
            return v;
        }

        int intAtLeast(String key, int min) {
            int v = get(key, () -> c.getInt(key), "a whole number >= " + min);
            if (v < min) fail(key, raw(key), "a whole number >= " + min);
            return v;
        }

        double doubleIn(String key, double lo, boolean loIncl, double hi, boolean hiIncl) {
            String allowed = "a number " + (loIncl ? ">= " : "> ") + lo
                    + (hi == Double.MAX_VALUE ? "" : " and " + (hiIncl ? "<= " : "< ") + hi);
            double v = get(key, () -> c.getDouble(key), allowed);
            boolean ok = !Double.isNaN(v) && (loIncl ? v >= lo : v > lo) && (hiIncl ? v <= hi : v < hi);
            if (!ok) fail(key, raw(key), allowed);
            return v;
        }

        List<String> stringList(String key) {
            return get(key, () -> c.getStringList(key), "a list of strings");
        }

        List<Integer> positiveInts(String key, int max) {
            List<Integer> v = get(key, () -> c.getIntList(key), "a non-empty list of whole numbers >= 1");
            if (v.isEmpty() || v.stream().anyMatch(x -> x < 1)) fail(key, raw(key), "a non-empty list of whole numbers >= 1");
            if (v.stream().anyMatch(x -> x > max)) {
                fail(key, raw(key), "a list of whole numbers from 1 to " + max + "; larger can only be a mistake "
                        + "(the maximum is documented in ensembles-defaults.conf)");
            }
            return List.copyOf(v);
        }

        <T> T get(String key, java.util.function.Supplier<T> read, String allowed) {
            try {
                return read.get();
            } catch (ConfigException.WrongType | ConfigException.BadValue e) {
                fail(key, raw(key), allowed);
                return null; // unreachable
            }
        }
    }
}
