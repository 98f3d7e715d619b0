package io.ensembles.cli;

import io.ensembles.jobs.ConvertJob;
import io.ensembles.jobs.SparkSupport;
import io.ensembles.fs.Fs;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Write an image set read by the project's own readers as a Parquet table in the Hugging Face "
                + "datasets layout: image struct {bytes: PNG, path: string}, label int64. Train on it with "
                + "data.train { format = parquet, path = ..., image-column = image }."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "F", description = "idx (with --labels) or digits-csv")
    String format;

    @Option(names = "--images", required = true, paramLabel = "URI", description = "The IDX images file, or the digits CSV")
    String images;

    @Option(names = "--labels", paramLabel = "URI", description = "The IDX labels file (format idx)")
    String labels;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N images (0 = all)")
    int limit;

    @Option(names = "--output", required = true, paramLabel = "URI", description = "Where the Parquet table goes (must not exist)")
    String output;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        spark.validate();
        if (!format.equals("idx") && !format.equals("digits-csv")) {
            throw new CliException("invalid value for --format: " + format + " (expected idx or digits-csv)");
        }
        if (format.equals("idx") && labels == null) throw new CliException("--format idx needs --labels URI");
        if (limit < 0) throw new CliException("invalid value for --limit: " + limit + " (expected a whole number >= 0)");
        DataChecks.requireFile("--images", images);
        if (labels != null) DataChecks.requireFile("--labels", labels);
        if (Fs.exists(Fs.qualify(output))) {
            throw new CliException("invalid value for --output: " + Fs.qualify(output) + " already exists (choose "
                    + "another or remove it)");
        }
        if (!spark.inSpark) return spark.launcher().launch("convert", SparkOptions.subcommandArgs(spec));
        SparkSession session = SparkSupport.session("ensemble convert " + images);
        try {
            long n = ConvertJob.run(session, format, images, labels, limit, output);
            System.out.println("wrote " + n + " rows: " + Fs.qualify(output));
            return EnsembleCli.OK;
        } finally {
            session.stop();
        }
    }
}
