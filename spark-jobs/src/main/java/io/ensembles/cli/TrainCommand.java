package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.jobs.TrainJob;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
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
        description = {"Train an ensemble of K independently trained members, one Spark task each: a deep ensemble "
                + "(--method deep), single-cycle members (single-cycle: one cosine cycle each) or MC-dropout members "
                + "(mc-dropout), or a Packed-Ensemble (packed: M members in one network of grouped layers, "
                + "--alpha/--gamma/--heads). Snapshot methods: see 'snapshot'.",
                "Writes the members and manifest.json into --out. Re-running on the same --out with the same "
                        + "configuration keeps complete members and resumes the others from their checkpoints."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--members", paramLabel = "K", description = "Overrides ensemble.members")
    Integer members;

    @Option(names = "--alpha", paramLabel = "A", description = "Overrides packed.alpha (packed: width factor)")
    Double alpha;

    @Option(names = "--gamma", paramLabel = "G", description = "Overrides packed.gamma (packed: groups per member)")
    Integer gamma;

    @Option(names = "--heads", paramLabel = "M", description = "Overrides packed.heads (packed: members per network; "
            + "default all K in one)")
    Integer heads;

    @Option(names = "--data-parallel", description = "Sets training.data-parallel: each member (or packed network) "
            + "trains across all executors with parameter averaging, one after the other, instead of one task each")
    boolean dataParallel;

    @Mixin
    SparkOptions spark;

    EnsembleConfig validatedConfig() {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (members != null) extra.put("ensemble.members", members);
        if (alpha != null) extra.put("packed.alpha", alpha);
        if (gamma != null) extra.put("packed.gamma", gamma);
        if (heads != null) extra.put("packed.heads", heads);
        if (dataParallel) extra.put("training.data-parallel", true);
        return job.load("train", extra); // the configuration checks mc-dropout's dropout rate, for library callers too
    }

    @Override
    public Integer call() throws Exception {
        spark.validate();
        EnsembleConfig cfg = validatedConfig();
        String outUri = job.outputUri(cfg);
        if (!spark.inSpark) {
            List<String> args = SparkOptions.subcommandArgs(spec);
            if (job.out == null) {
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

    /** One line per member that is not completed (failed, collapsed), with why: the evaluation leaves them out. */
    static String reasons(Manifest m) {
        StringBuilder sb = new StringBuilder();
        for (MemberRecord r : m.members()) {
            if (!r.completed()) {
                sb.append(String.format("%s %s, left out of evaluations: %s%n", r.id(), r.status(), r.failureReason()));
            }
        }
        return sb.toString();
    }

    static String summary(Manifest m, String out) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Trained ensemble '%s' (%d members) into %s%n", m.name(), m.members().size(), out));
        String fmt = "%-6s %-8s %-10s %6s %9s %9s %9s %8s%n";
        sb.append(String.format(fmt, "member", "arch", "status", "epochs", "val acc", "val NLL", "seconds", "attempts"));
        for (MemberRecord r : m.members()) {
            sb.append(String.format("%-6s %-8s %-10s %6d %9.4f %9.4f %9.1f %8d%s%n", r.id(), r.architecture(), r.status(),
                    r.epochs(), r.validationAccuracy(), r.validationNll(), r.trainingSeconds(), r.attempts(),
                    r.packed() == null ? "" : "  head " + r.packed().head() + " of " + r.packed().network()));
        }
        sb.append(reasons(m));
        if (m.members().stream().anyMatch(r -> r.packed() != null)) {
            sb.append("(packed: validation figures and seconds are those of the whole network, the mean of its heads)")
                    .append(System.lineSeparator());
        }
        return sb.toString();
    }
}
