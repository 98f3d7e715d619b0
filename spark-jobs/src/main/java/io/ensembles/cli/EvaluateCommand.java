package io.ensembles.cli;

import io.ensembles.jobs.EvaluateJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.store.Fs;
import io.ensembles.store.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate a trained ensemble on its test set: every member, the mean member and the ensemble "
                + "(averaged probabilities) at every size, with accuracy, error, NLL and ECE.",
                "Prints the table and writes metrics.json next to manifest.json."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ensemble", required = true, paramLabel = "URI", description = "The ensemble folder (holding manifest.json)")
    String ensemble;

    @Option(names = "--test-limit", paramLabel = "N", description = "Evaluate on the first N test examples (0 = all; default: as trained)")
    Integer testLimit;

    @Option(names = "--mc-passes", paramLabel = "T",
            description = "Stochastic passes per MC-dropout member, each evaluated as a member (default: evaluation.mc-passes, 10)")
    Integer mcPasses;

    @Option(names = "--ood", paramLabel = "URI",
            description = "Out-of-distribution set for OOD detection (overrides data.ood-images), e.g. "
                    + "file:///usr/share/datasets/sklearn-digits/digits.csv.gz")
    String ood;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        spark.validate();
        if (testLimit != null && testLimit < 0) {
            throw new CliException("invalid value for --test-limit: " + testLimit + " (expected a whole number >= 0)");
        }
        if (mcPasses != null && mcPasses < 1) {
            throw new CliException("invalid value for --mc-passes: " + mcPasses + " (expected a whole number >= 1)");
        }
        if (ood != null) DataChecks.requireFile("--ood", ood);
        String uri = Fs.qualify(ensemble);
        Manifest m = Manifest.read(new EnsembleLayout(uri));
        if (!spark.inSpark) {
            if (m.completedMembers().isEmpty()) {
                throw new CliException(uri + ": the ensemble has no completed member to evaluate");
            }
            List<String> args = SparkOptions.subcommandArgs(spec);
            return spark.launcher().launch("evaluate", args);
        }
        SparkSession session = SparkSupport.session("ensemble evaluate " + m.name());
        try {
            EvaluationReport report = EvaluateJob.run(session, uri, new EvaluateJob.Options(testLimit == null ? -1 : testLimit,
                    mcPasses == null ? 0 : mcPasses, ood));
            System.out.println(report.table());
            System.out.println("metrics: " + new EnsembleLayout(uri).metrics());
            return EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }
}
