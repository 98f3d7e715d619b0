package io.ensembles.cli;

import io.ensembles.ml.PredictJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.store.EnsembleLayout;
import io.ensembles.fs.Fs;
import io.ensembles.store.Manifest;
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

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Score a table with a trained ensemble: every row gets the ensemble's probabilities and its "
                + "uncertainty. Writes Parquet with the kept input columns and probability (array<double>), prediction "
                + "(class index, double), predicted_label, confidence, entropy, mutual_information, disagreement, "
                + "ood_score and is_ood (entropy above the threshold fitted by 'evaluate'; null before).",
                "The table is read and scored by the executors; one output row per input row."})
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ensemble", required = true, paramLabel = "URI",
            description = "The ensemble folder (holding manifest.json), or a versioned folder made by 'retrain'")
    String ensemble;

    @Option(names = "--input", required = true, paramLabel = "URI", description = "The table to score (any Hadoop URI, globs allowed)")
    String input;

    @Option(names = "--format", defaultValue = "parquet", paramLabel = "F",
            description = "Its format: anything spark.read.format() takes (default: ${DEFAULT-VALUE}; csv, json, orc, "
                    + "image, binaryFile, ...)")
    String format;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "A reader option, repeatable (e.g. header=true)")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--output", required = true, paramLabel = "URI", description = "Where the Parquet output goes (must not exist)")
    String output;

    @Option(names = "--input-column", paramLabel = "COL",
            description = "The image or features column (default: the one the ensemble was trained from; 'content' "
                    + "for binaryFile, 'image' for the image source)")
    String inputColumn;

    @Option(names = "--keep-columns", split = ",", paramLabel = "c1,c2",
            description = "Input columns to copy to the output (default: all but the image or feature columns)")
    List<String> keepColumns;

    @Option(names = "--member-probabilities", description = "Also write member_probabilities: member id -> probabilities")
    boolean memberProbabilities;

    @Option(names = "--calibrated", description = "Apply the temperature fitted by the last 'evaluate' to the probabilities")
    boolean calibrated;

    @Option(names = "--show", defaultValue = "5", paramLabel = "N",
            description = "Print the first N output rows (default: ${DEFAULT-VALUE}; 0 = none)")
    int show;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        spark.validate();
        if (show < 0) throw new CliException("invalid value for --show: " + show + " (expected a whole number >= 0)");
        String uri = io.ensembles.versions.EnsembleVersions.resolve(Fs.qualify(ensemble));
        Manifest m = Manifest.read(new EnsembleLayout(uri));
        if (m.completedMembers().isEmpty()) throw new CliException(uri + ": the ensemble has no completed member");
        if (calibrated && m.scoring() == null) {
            throw new CliException("invalid option --calibrated: " + uri + " has no fitted temperature yet (run "
                    + "'ensemble evaluate --ensemble " + ensemble + "' first)");
        }
        if (Fs.exists(Fs.qualify(output))) {
            throw new CliException("invalid value for --output: " + Fs.qualify(output) + " already exists (choose "
                    + "another or remove it)");
        }
        if (!spark.inSpark) return spark.launcher().launch("predict", SparkOptions.subcommandArgs(spec));
        SparkSession session = SparkSupport.session("ensemble predict " + m.name());
        try {
            PredictJob.Result r = PredictJob.run(session, uri, new PredictJob.Options(input, format, options, output,
                    inputColumn, keepColumns, memberProbabilities, calibrated));
            System.out.println("scored " + r.rowsOut() + " rows in " + String.format("%.1f", r.seconds()) + " s");
            System.out.println("predictions: " + r.output());
            if (show > 0) {
                session.read().parquet(r.output()).drop("member_probabilities").show(show, 48);
            }
            return EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }
}
