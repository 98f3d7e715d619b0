package io.ensembles.config;

import java.util.Map;

/**
 * Sanity maxima: sizes above these can only be mistakes ({@code --members 1000000} would run until
 * killed). Each is documented beside its key in ensembles-defaults.conf (EnsembleConfigTest checks that).
 */
public final class ConfigLimits {
    private ConfigLimits() {}

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
}
