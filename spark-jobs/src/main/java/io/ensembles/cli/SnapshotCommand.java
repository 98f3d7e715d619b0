package io.ensembles.cli;

import io.ensembles.config.EnsembleConfig;
import io.ensembles.jobs.SnapshotJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.store.Manifest;
import io.ensembles.store.MemberRecord;
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

@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Train an ensemble from one training run: Snapshot Ensembles (sse, cyclic cosine rate, a "
                + "snapshot at each cycle's end), Fast Geometric Ensembling (fge, triangular cycles after "
                + "pre-training, a member at each low point) or the NoCycle control (nocycle), chosen with --method.",
                "Every snapshot is stored as an ensemble member. The run trains in one Spark task, or data-parallel "
                        + "over all executors with DL4J parameter averaging (snapshot.mode, --mode).",
                "Re-running on the same --out keeps stored snapshots and resumes the run from its last epoch."})
final class SnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--cycles", paramLabel = "M", description = "Overrides snapshot.cycles (sse, nocycle)")
    Integer cycles;

    @Option(names = "--mode", paramLabel = "MODE", description = "auto, single-task or data-parallel (overrides snapshot.mode)")
    String mode;

    @Mixin
    SparkOptions spark;

    EnsembleConfig validatedConfig() {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (cycles != null) extra.put("snapshot.cycles", cycles);
        if (mode != null) extra.put("snapshot.mode", mode);
        return job.load("snapshot", extra);
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
            return spark.launcher().launch("snapshot", args);
        }
        SparkSession session = SparkSupport.session("ensemble snapshot " + cfg.ensemble().name());
        try {
            Manifest m = SnapshotJob.run(session, cfg, outUri);
            System.out.println(summary(m, outUri));
            return m.completedMembers().isEmpty() ? EnsembleCli.FAILED : EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }

    static String summary(Manifest m, String out) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Trained %s ensemble '%s' (%d snapshots, %s) into %s%n", m.method(), m.name(),
                m.members().size(), m.run().get("mode"), out));
        String fmt = "%-6s %-10s %5s %9s %7s %10s %9s %9s%n";
        sb.append(String.format(fmt, "member", "status", "cycle", "iteration", "epoch", "rate", "val acc", "val NLL"));
        for (MemberRecord r : m.members()) {
            MemberRecord.Snapshot s = r.snapshot();
            sb.append(String.format("%-6s %-10s %5d %9d %7.2f %10.3g %9.4f %9.4f%n", r.id(), r.status(),
                    s != null ? s.cycle() : 0, s != null ? s.iteration() : 0, s != null ? s.epoch() : Double.NaN,
                    s != null ? s.learningRate() : Double.NaN, r.validationAccuracy(), r.validationNll()));
        }
        return sb.append(TrainCommand.reasons(m)).toString();
    }
}
