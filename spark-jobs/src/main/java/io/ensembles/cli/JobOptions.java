package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.config.Method;
import io.ensembles.fs.Fs;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every training command shares: configuration, output, overrides, and the method check. */
final class JobOptions {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Job configuration (HOCON), e.g. conf/quickstart.conf")
    File config;

    @Option(names = "--out", paramLabel = "URI", description = "Output folder, any Hadoop URI (default: ensembles/<ensemble.name> in the working directory)")
    String out;

    @Option(names = "--method", paramLabel = "METHOD", description = "Overrides ensemble.method (see the command's description)")
    String method;

    @picocli.CommandLine.Mixin
    ConfigOverrides overrides;

    /**
     * The configuration with these options (and the command's own {@code extra} overrides) applied,
     * its method one that {@code command} trains, and its data files present.
     */
    EnsembleConfig load(String command, Map<String, Object> extra) {
        Map<String, Object> keys = new LinkedHashMap<>(overrides.asKeys());
        if (method != null) keys.put("ensemble.method", method);
        keys.putAll(extra);
        EnsembleConfig cfg = EnsembleConfig.load(config, keys);
        Method m = cfg.ensemble().method();
        if (!m.command().equals(command)) {
            throw new CliException("invalid method for " + command + ": " + m + " (expected one of "
                    + Method.idsOf(command) + "; " + m + " is trained by 'ensemble " + m.command() + " --method "
                    + m + "')");
        }
        DataChecks.requireFiles(cfg.data());
        return cfg;
    }

    /** --out as a qualified URI, by default ensembles/<name> in the working directory. */
    String outputUri(EnsembleConfig cfg) {
        String o = out != null ? out : new File("ensembles", cfg.ensemble().name()).getAbsoluteFile().toURI().toString();
        if (o.isBlank()) throw new CliException("invalid value for --out: \"\" (expected a folder path or URI)");
        return Fs.qualify(o);
    }
}
