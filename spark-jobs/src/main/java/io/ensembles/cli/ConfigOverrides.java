package io.ensembles.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The configuration overrides every training command takes: the common shortcuts and {@code --set}. */
final class ConfigOverrides {
    @Option(names = "--epochs", paramLabel = "E", description = "Overrides training.epochs (of each member, or of the one run)")
    Integer epochs;

    @Option(names = "--limit", paramLabel = "N", description = "Overrides data.limit: train on the first N examples (0 = all)")
    Integer limit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides any configuration key, repeatable (e.g. --set training.learning-rate=0.1)")
    Map<String, String> set = new LinkedHashMap<>();

    /** The overrides as configuration keys, {@code --set} first, the shortcuts over it. */
    Map<String, Object> asKeys() {
        Map<String, Object> keys = new LinkedHashMap<>(set);
        if (epochs != null) keys.put("training.epochs", epochs);
        if (limit != null) keys.put("data.limit", limit);
        return keys;
    }
}
