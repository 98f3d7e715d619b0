package io.ensembles.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.RetrainJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Json;
import io.ensembles.store.Manifest;
import io.ensembles.versions.EnsembleVersions;
import io.ensembles.versions.RetrainRecord;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Scheduled retraining of a versioned ensemble folder: train a new version into "
                + "versions/vNNNN (new seeds or a warm start from the current version, retrain.init), evaluate it "
                + "and the current version on the new version's test data, and promote it (replace current.json "
                + "in one rename) only if it is not worse on retrain.metric. Versions beyond retrain.keep-versions "
                + "are deleted; the current one is always kept.",
                "The first run needs --config; later runs reuse the current version's configuration unless given "
                        + "one, with --data, --set, --epochs and --limit applied over it. A run interrupted before "
                        + "its decision is resumed by the next run with the same configuration.",
                "Exit codes: 0 promoted, 3 kept the current version (the new one was worse), 1 failed, "
                        + "2 invalid input."})
final class RetrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ensemble", required = true, paramLabel = "URI",
            description = "The versioned ensemble folder (created by the first run), any Hadoop URI")
    String ensemble;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Job configuration (HOCON); default: the current version's configuration")
    File config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "A folder with the new data: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                    + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each gzipped or not); sets data.*")
    String data;

    @Option(names = "--init", paramLabel = "INIT", description = "Overrides retrain.init: new-seeds or warm-start")
    String init;

    @Mixin
    ConfigOverrides overrides;

    @Mixin
    SparkOptions spark;

    /** The new version's configuration, its seed the base seed; checked against the current version. */
    EnsembleConfig validatedConfig(EnsembleVersions versions, EnsembleVersions.Pointer current) throws Exception {
        Map<String, Object> keys = new LinkedHashMap<>(overrides.asKeys());
        if (data != null) keys.putAll(DataChecks.dataFolder("--data", data));
        if (init != null) keys.put("retrain.init", init);
        Manifest currentManifest = current == null ? null
                : Manifest.read(new EnsembleLayout(versions.version(current.version())));
        EnsembleConfig cfg;
        if (config != null) {
            cfg = EnsembleConfig.load(config, keys);
        } else if (currentManifest != null) {
            // the current version's configuration, its seed back at the base the versions advance from
            RetrainRecord rec = versions.readRecord(current.version());
            Map<String, Object> withBase = new LinkedHashMap<>();
            withBase.put("ensemble.seed", rec != null ? rec.baseSeed() : currentManifest.config().at("/ensemble/seed").asLong());
            withBase.putAll(keys);
            cfg = currentManifest.configuration(withBase);
        } else {
            throw new CliException(versions.root() + " has no current version (no " + EnsembleVersions.POINTER
                    + "): the first retrain needs --config");
        }
        DataChecks.requireFiles(cfg.data());
        if (cfg.retrain().init().equals("warm-start") && currentManifest != null) {
            checkWarmStart(cfg, currentManifest, current.version());
        }
        return cfg;
    }

    /** A warm start copies parameters member by member: same method family, same model, same packing. */
    static void checkWarmStart(EnsembleConfig cfg, Manifest current, String version) throws Exception {
        io.ensembles.config.Method method = cfg.ensemble().method();
        if (method.oneRun()) {
            throw new CliException("invalid value for retrain.init: warm-start (method " + method + " trains its "
                    + "members in one run; warm start works with " + io.ensembles.config.Method.idsOf("train")
                    + "; use new-seeds)");
        }
        JsonNode now = Json.MAPPER.readTree(cfg.rendered());
        for (String section : new String[] {"/model", "/packed", "/ensemble/method"}) {
            if (!now.at(section).equals(current.config().at(section))) {
                throw new CliException("invalid value for retrain.init: warm-start (the new configuration's "
                        + section.substring(1).replace('/', '.') + " differs from current version " + version
                        + "'s; a warm start needs the same model; use new-seeds)");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        spark.validate();
        String root = Fs.qualify(ensemble);
        EnsembleVersions versions = new EnsembleVersions(root);
        EnsembleVersions.Pointer current = versions.current();
        EnsembleConfig cfg = validatedConfig(versions, current);
        if (!spark.inSpark) {
            return spark.launcher().launch("retrain", SparkOptions.subcommandArgs(spec));
        }
        SparkSession session = SparkSupport.session("ensemble retrain " + cfg.ensemble().name());
        RetrainJob.Outcome o;
        try {
            o = RetrainJob.run(session, root, cfg);
        } finally {
            session.stop();
        }
        System.out.println(summary(o, versions));
        return switch (o.state()) {
            case RetrainRecord.PROMOTED -> EnsembleCli.OK;
            case RetrainRecord.KEPT_OLD -> EnsembleCli.KEPT;
            default -> EnsembleCli.FAILED;
        };
    }

    static String summary(RetrainJob.Outcome o, EnsembleVersions versions) {
        String n = System.lineSeparator();
        StringBuilder sb = new StringBuilder();
        sb.append("Version ").append(o.version()).append(o.basedOn() == null ? " (the first)" : " (against current "
                + o.basedOn() + ")").append(": ").append(switch (o.state()) {
                    case RetrainRecord.PROMOTED -> "PROMOTED";
                    case RetrainRecord.KEPT_OLD -> "KEPT THE CURRENT VERSION";
                    default -> "FAILED";
                }).append(n);
        sb.append("  ").append(o.reason()).append(n);
        sb.append("  current version: ").append(o.current()).append(" (").append(versions.pointer()).append(')').append(n);
        sb.append("  versions kept: ").append(String.join(", ", o.kept()));
        if (!o.deleted().isEmpty()) sb.append("; deleted: ").append(String.join(", ", o.deleted()));
        sb.append(n).append("  record: ").append(versions.record(o.version()));
        return sb.toString();
    }
}
