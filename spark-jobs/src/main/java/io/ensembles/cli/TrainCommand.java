package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.jobs.TrainJob;
import io.ensembles.store.Fs;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an ensemble of K independently trained members, one Spark task each: a deep ensemble, "
                + "single-cycle members, or MC-dropout members.",
                "Writes the members and manifest.json into --out. Re-running on the same --out with the same "
                        + "configuration keeps complete members and resumes the others from their checkpoints."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Job configuration (HOCON), e.g. conf/quickstart.conf")
    File config;

    @Option(names = "--out", paramLabel = "URI", description = "Output folder, any Hadoop URI (default: ensembles/<ensemble.name> in the working directory)")
    String out;

    @Option(names = "--method", paramLabel = "METHOD",
            description = "deep, single-cycle or mc-dropout (overrides ensemble.method; snapshot methods: see 'snapshot')")
    String method;

    @Option(names = "--members", paramLabel = "K", description = "Overrides ensemble.members")
    Integer members;

    @Option(names = "--epochs", paramLabel = "E", description = "Overrides training.epochs")
    Integer epochs;

    @Option(names = "--limit", paramLabel = "N", description = "Overrides data.limit: train on the first N examples (0 = all)")
    Integer limit;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides any configuration key, repeatable (e.g. --set training.learning-rate=0.1)")
    Map<String, String> set = new LinkedHashMap<>();

    @Mixin
    SparkOptions spark;

    EnsembleConfig validatedConfig() {
        Map<String, Object> overrides = new LinkedHashMap<>(set);
        if (method != null) overrides.put("ensemble.method", method);
        if (members != null) overrides.put("ensemble.members", members);
        if (epochs != null) overrides.put("training.epochs", epochs);
        if (limit != null) overrides.put("data.limit", limit);
        EnsembleConfig cfg = EnsembleConfig.load(config, overrides);
        String m = cfg.ensemble().method();
        if (!EnsembleConfig.MEMBER_METHODS.contains(m)) {
            throw new CliException("invalid method for train: " + m + " (expected one of "
                    + new java.util.TreeSet<>(EnsembleConfig.MEMBER_METHODS) + "; " + m + " is trained by "
                    + "'ensemble snapshot --method " + m + "')");
        }
        if (m.equals("mc-dropout") && cfg.model().dropout() <= 0) {
            throw new CliException("invalid value for model.dropout: 0.0 (expected a rate > 0 for mc-dropout, "
                    + "e.g. --set model.dropout=0.2)");
        }
        DataChecks.requireFiles(cfg.data());
        return cfg;
    }

    String outputUri(EnsembleConfig cfg) {
        String o = out != null ? out : new File("ensembles", cfg.ensemble().name()).getAbsoluteFile().toURI().toString();
        if (o.isBlank()) throw new CliException("invalid value for --out: \"\" (expected a folder path or URI)");
        return Fs.qualify(o);
    }

    @Override
    public Integer call() throws Exception {
        spark.validate();
        EnsembleConfig cfg = validatedConfig();
        String outUri = outputUri(cfg);
        if (!spark.inSpark) {
            List<String> args = SparkOptions.subcommandArgs(spec);
            if (out == null) {
                args.add("--out");
                args.add(outUri);
            }
            return spark.launcher().launch("train", args);
        }
        SparkSession session = SparkSupport.session("ensemble train " + cfg.ensemble().name());
        try {
            Manifest m = TrainJob.run(session, cfg, outUri);
            System.out.println(summary(m, outUri));
            return m.completedMembers().isEmpty() ? EnsembleCli.FAILED : EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }

    static String summary(Manifest m, String out) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Trained ensemble '%s' (%d members) into %s%n", m.name(), m.members().size(), out));
        String fmt = "%-6s %-8s %-10s %6s %9s %9s %9s %8s%n";
        sb.append(String.format(fmt, "member", "arch", "status", "epochs", "val acc", "val NLL", "seconds", "attempts"));
        for (MemberRecord r : m.members()) {
            sb.append(String.format("%-6s %-8s %-10s %6d %9.4f %9.4f %9.1f %8d%n", r.id(), r.architecture(), r.status(),
                    r.epochs(), r.validationAccuracy(), r.validationNll(), r.trainingSeconds(), r.attempts()));
        }
        return sb.toString();
    }
}
