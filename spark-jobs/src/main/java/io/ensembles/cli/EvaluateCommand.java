package io.ensembles.cli;

import io.ensembles.evaluation.EvaluationOptions;
import io.ensembles.jobs.EvaluateJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.report.Comparison;
import io.ensembles.report.EvaluationReport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
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
        description = {"Evaluate trained ensembles on their test set: every member, the mean member and the ensemble "
                + "(averaged probabilities) at every size, with error, NLL, calibrated NLL, ECE, adaptive ECE, Brier, "
                + "disagreement, KL and, with --ood, OOD detection.",
                "Prints the table and writes metrics.json next to each manifest.json. With several --ensemble, also "
                        + "a side-by-side table with each size's deep-ensemble equivalent (DEE) against the deep "
                        + "ensemble among them (--comparison writes it as JSON)."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ensemble", required = true, paramLabel = "URI",
            description = "An ensemble folder (holding manifest.json), or a versioned folder made by 'retrain' (its "
                    + "current version is evaluated); repeatable to compare ensembles")
    List<String> ensembles;

    @Option(names = "--comparison", paramLabel = "URI",
            description = "With several --ensemble: write the side-by-side rows (with DEE) to this JSON file")
    String comparison;

    @Option(names = "--test-limit", paramLabel = "N", description = "Evaluate on the first N test examples (0 = all; default: as trained)")
    Integer testLimit;

    @Option(names = "--mc-passes", paramLabel = "T",
            description = "Stochastic passes per MC-dropout member, each evaluated as a member (default: evaluation.mc-passes, 10)")
    Integer mcPasses;

    @Option(names = "--ood", paramLabel = "URI",
            description = "Out-of-distribution set for OOD detection (overrides data.ood-images), e.g. "
                    + "file:///usr/share/datasets/sklearn-digits/digits.csv.gz")
    String ood;

    @Option(names = "--shift",
            description = "Also evaluate under distribution shift: the test set under 5 corruptions (gaussian-noise, "
                    + "blur, contrast, rotation, pixel-shuffle) at severities 1-5")
    boolean shift;

    @Option(names = "--skip-bad-members",
            description = "Leave out (with a warning) members whose file is missing or fails its SHA-256 check, "
                    + "instead of stopping the evaluation")
    boolean skipBadMembers;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Overrides an evaluation setting over the manifest's configuration, repeatable: any "
                    + "evaluation.* key (e.g. evaluation.rows-per-task=1000, evaluation.random-orders=0, "
                    + "evaluation.max-members=5), data.test-images, data.test-labels, data.test-limit, data.ood-images, "
                    + "or a key of the data.test / data.ood source blocks (data.test.path=..., data.ood.format=parquet)")
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();

    @Option(names = "--report", paramLabel = "URI",
            description = "Write the HTML report of all the evaluated ensembles here (each ensemble also gets its "
                    + "own report.html next to its metrics.json)")
    String report;

    @Mixin
    SparkOptions spark;

    /** The keys an evaluation may override: its own, and which test data it reads. */
    private static final java.util.Set<String> DATA_KEYS = java.util.Set.of("data.test-images", "data.test-labels",
            "data.test-limit", "data.ood-images");

    @Override
    public Integer call() throws Exception {
        spark.validate();
        validate();
        java.util.Map<String, Object> settings = new java.util.LinkedHashMap<>(set);
        List<String> uris = new ArrayList<>();
        List<Manifest> manifests = new ArrayList<>();
        for (String e : ensembles) {
            // a versioned folder (made by 'retrain') stands for its current version
            String uri = io.ensembles.versions.EnsembleVersions.resolve(Fs.qualify(e));
            manifests.add(checked(uri, settings));
            uris.add(uri);
        }
        if (!spark.inSpark) {
            List<String> args = SparkOptions.subcommandArgs(spec);
            return spark.launcher().launch("evaluate", args);
        }
        SparkSession session = SparkSupport.session("ensemble evaluate " + manifests.get(0).name()
                + (manifests.size() > 1 ? " and " + (manifests.size() - 1) + " more" : ""));
        try {
            EvaluationOptions options = EvaluationOptions.defaults().testLimit(testLimit == null ? -1 : testLimit)
                    .mcPasses(mcPasses == null ? 0 : mcPasses).ood(ood).skipBadMembers(skipBadMembers).shift(shift)
                    .settings(settings);
            List<Comparison.Entry> entries = new ArrayList<>();
            for (int i = 0; i < uris.size(); i++) {
                EvaluationReport evaluated = EvaluateJob.run(session, uris.get(i), options);
                System.out.println(evaluated.table());
                System.out.println("metrics: " + new EnsembleLayout(uris.get(i)).metrics());
                System.out.println("report: " + new EnsembleLayout(uris.get(i)).report());
                entries.add(new Comparison.Entry(EnsembleLayout.folderName(uris.get(i)), manifests.get(i).method(),
                        evaluated));
            }
            compare(uris, entries);
            return EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }

    /** The options' one-line errors, before anything is read. */
    private void validate() {
        if (testLimit != null && testLimit < 0) {
            throw new CliException("invalid value for --test-limit: " + testLimit + " (expected a whole number >= 0)");
        }
        if (mcPasses != null && mcPasses < 1) {
            throw new CliException("invalid value for --mc-passes: " + mcPasses + " (expected a whole number >= 1)");
        }
        if (ood != null) DataChecks.requireFile("--ood", ood);
        if (comparison != null && ensembles.size() < 2) {
            throw new CliException("invalid option --comparison " + comparison + " (expected two or more --ensemble "
                    + "to compare; got " + ensembles.size() + ")");
        }
        for (String key : set.keySet()) {
            if (!key.startsWith("evaluation.") && !DATA_KEYS.contains(key) && !key.startsWith("data.test.")
                    && !key.startsWith("data.ood.")) {
                throw new CliException("invalid option --set " + key + "=" + set.get(key) + " (evaluate takes "
                        + "evaluation.* keys, data.test.*, data.ood.* and " + new java.util.TreeSet<>(DATA_KEYS) + ")");
            }
        }
    }

    /**
     * The manifest at {@code uri}, once the overrides make a valid configuration for it and the files
     * they name exist (checked before Spark starts).
     */
    private Manifest checked(String uri, java.util.Map<String, Object> settings) {
        Manifest m = Manifest.read(new EnsembleLayout(uri));
        if (m.completedMembers().isEmpty()) {
            throw new CliException(uri + ": the ensemble has no completed member to evaluate");
        }
        io.ensembles.config.EnsembleConfig cfg = m.configuration(settings);
        if (set.containsKey("data.test-images")) DataChecks.requireFile("data.test-images", cfg.data().testImages());
        if (set.containsKey("data.test-labels")) DataChecks.requireFile("data.test-labels", cfg.data().testLabels());
        if (set.containsKey("data.ood-images") && !cfg.data().oodImages().isEmpty()) {
            DataChecks.requireFile("data.ood-images", cfg.data().oodImages());
        }
        return m;
    }

    /** The HTML report of all the ensembles (--report) and, with several, the side-by-side table. */
    private void compare(List<String> uris, List<Comparison.Entry> entries) throws java.io.IOException {
        List<Comparison.Row> rows = Comparison.compute(entries);
        if (report != null) {
            Fs.writeString(Fs.qualify(report), io.ensembles.report.HtmlReport.render("Evaluation of "
                    + String.join(", ", entries.stream().map(Comparison.Entry::name).toList()), entries, rows), true);
            System.out.println("HTML report: " + Fs.qualify(report));
        }
        if (entries.size() < 2) return;
        System.out.println();
        System.out.println("Side by side (DEE: deep-ensemble equivalent, from the calibrated NLL)");
        System.out.println(Comparison.table(rows));
        if (comparison != null) {
            Fs.writeString(Fs.qualify(comparison), io.ensembles.store.Json.write(
                    java.util.Map.of("ensembles", uris, "rows", rows)), true);
            System.out.println("comparison: " + Fs.qualify(comparison));
        }
    }
}
